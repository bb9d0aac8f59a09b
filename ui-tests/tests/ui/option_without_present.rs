use init::prelude::*;

#[derive(Module)]
struct Block<const STRIDE: usize> {
    downsample: Option<Conv2d<4, 4, 1, STRIDE>>,
}

fn main() {}
