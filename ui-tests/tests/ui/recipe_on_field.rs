use init::prelude::*;

#[derive(Module)]
struct Net {
    #[init(recipe = init::Gpt2Residual::new(2))]
    fc: Linear<4, 2>,
}

fn main() {}
