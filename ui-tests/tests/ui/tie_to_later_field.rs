use init::prelude::*;

#[derive(Module)]
struct Gpt {
    #[module(tie(weight = wte.weight))]
    lm_head: Linear<3, 5, false>,
    wte: Embedding<5, 3>,
}

fn main() {}
