use init::prelude::*;

#[derive(Module)]
struct Gpt {
    wte: Embedding<5, 3>,
    #[module(tie(weight = wte.weight))]
    #[init(normal(std = 0.02))]
    lm_head: Linear<3, 5, false>,
}

fn main() {}
