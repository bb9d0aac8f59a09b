use init::prelude::*;

#[derive(Module)]
struct Net {
    #[init(sparse(std = 0.01))]
    fc: Linear<3, 2>,
}

fn main() {}
