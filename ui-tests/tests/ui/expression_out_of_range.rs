use init::prelude::*;

const N_LAYER: usize = 12;

#[derive(Module)]
struct Net {
    #[init(normal(std = 0.02 - sqrt(N_LAYER as f64)))]
    fc: Linear<4, 4>,
}

fn main() {}
