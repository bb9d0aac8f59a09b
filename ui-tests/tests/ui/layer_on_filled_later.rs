use init::prelude::*;

#[derive(Module)]
struct Net {
    #[module(filled_later)]
    #[layer(eps = 1e-6)]
    norms: Vec<LayerNorm<8>>,
}

fn main() {}
