use init::prelude::*;

#[derive(Module)]
struct Net {
    conv1: Conv2d<3, 8, 3, 1, 0, 1, 2>,
    fc: Linear<8, 2>,
}

fn main() {}
