use init::prelude::*;

#[derive(Module)]
struct Net {
    #[layer(stride = (2, 1, 1))]
    conv: Conv2d<3, 8, 3>,
}

fn main() {}
