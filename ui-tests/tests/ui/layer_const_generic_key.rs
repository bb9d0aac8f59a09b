use init::prelude::*;

#[derive(Module)]
struct Block {
    #[layer(groups = 8, padding = 3)]
    conv_dw: Conv2d<8, 8, 7>,
}

fn main() {}
