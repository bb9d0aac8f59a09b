use init::prelude::*;

#[derive(Module)]
struct Net {
    #[init(zeros)]
    #[init(weight = ones)]
    fc: Linear<3, 2>,
}

fn main() {}
