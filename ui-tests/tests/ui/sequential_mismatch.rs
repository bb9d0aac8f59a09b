use init::prelude::*;

#[derive(Module)]
#[module(sequential)]
struct Net {
    fc1: Linear<3, 8>,
    act: ReLU,
    fc2: Linear<4, 10>,
}

fn main() {}
