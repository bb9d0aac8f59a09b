use init::prelude::*;

#[derive(Module)]
struct Net {
    fc: Linear<3, 2>,
    #[module(skip)]
    #[init(zeros)]
    steps: u64,
}

fn main() {}
