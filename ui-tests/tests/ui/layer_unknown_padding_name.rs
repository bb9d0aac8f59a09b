use init::prelude::*;

#[derive(Module)]
struct Net {
    #[layer(padding = "sme")]
    conv: Conv2d<3, 8, 3>,
}

fn main() {}
