use init::prelude::*;

#[derive(Module)]
struct Net {
    #[layer(p = 1.5)]
    drop: Dropout,
}

fn main() {}
