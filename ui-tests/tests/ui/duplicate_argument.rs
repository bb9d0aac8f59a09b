use init::prelude::*;

#[derive(Module)]
struct Net {
    #[init(normal(std = 0.1, std = 0.2))]
    fc: Linear<3, 2>,
}

fn main() {}
