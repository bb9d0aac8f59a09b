use init::prelude::*;

#[derive(Module)]
struct Net {
    #[init(weights = zeros)]
    fc: Linear<3, 2>,
}

fn main() {}
