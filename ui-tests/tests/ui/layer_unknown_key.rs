use init::prelude::*;

#[derive(Module)]
struct Net {
    #[layer(epsilon = 1e-6)]
    norm: LayerNorm<8>,
}

fn main() {}
