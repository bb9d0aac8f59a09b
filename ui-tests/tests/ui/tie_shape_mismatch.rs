use init::prelude::*;

#[derive(Module)]
struct Gpt {
    wte: Embedding<6, 3>,
    #[module(tie(weight = wte.weight))]
    lm_head: Linear<3, 5, false>,
}

fn main() {}
