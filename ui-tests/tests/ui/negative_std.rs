use init::prelude::*;

#[derive(Module)]
struct Net {
    #[init(normal(std = -0.02))]
    fc: Linear<3, 2>,
}

fn main() {}
