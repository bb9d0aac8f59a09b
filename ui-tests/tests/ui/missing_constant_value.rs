use init::prelude::*;

#[derive(Module)]
struct Net {
    #[init(bias = constant)]
    fc: Linear<3, 2>,
}

fn main() {}
