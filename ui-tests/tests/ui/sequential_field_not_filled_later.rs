use init::prelude::*;

#[derive(Module)]
struct Net {
    features: Sequential,
}

fn main() {}
