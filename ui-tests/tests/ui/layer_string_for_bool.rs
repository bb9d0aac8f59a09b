use init::prelude::*;

#[derive(Module)]
struct Net {
    #[layer(ceil_mode = "true")]
    pool: MaxPool2d<2>,
}

fn main() {}
