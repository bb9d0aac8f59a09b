use init::prelude::*;

#[derive(Module)]
#[init(Linear.bias = zeros)]
struct Net {
    fc: Linear<4, 2>,
}

fn main() {}
