use init::prelude::*;

#[derive(Module)]
struct Net {
    #[init(bias = orthogonal)]
    fc: Linear<3, 10>,
}

fn main() {}
