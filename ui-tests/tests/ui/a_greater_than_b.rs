use init::prelude::*;

#[derive(Module)]
struct Net {
    #[init(uniform(a = 0.1, b = -0.1))]
    fc: Linear<3, 2>,
}

fn main() {}
