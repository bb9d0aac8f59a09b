use init::prelude::*;

#[derive(Module)]
struct Net {
    #[init(sparse(sparsity = 1.5))]
    fc: Linear<3, 2>,
}

fn main() {}
