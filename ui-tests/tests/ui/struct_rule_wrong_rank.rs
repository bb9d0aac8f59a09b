use init::prelude::*;

#[derive(Module)]
#[init(BatchNorm2d = orthogonal)]
struct Net {
    fc: Linear<3, 2>,
}

fn main() {}
