use init::prelude::*;

#[derive(Module)]
struct Net {
    #[layer(bias = false)]
    fc: Linear<4, 4>,
}

fn main() {}
