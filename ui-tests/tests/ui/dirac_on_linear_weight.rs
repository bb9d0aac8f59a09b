use init::prelude::*;

#[derive(Module)]
struct Net {
    #[init(dirac)]
    fc: Linear<3, 3>,
}

fn main() {}
