use init::prelude::*;

#[derive(Module)]
struct Net {
    #[init(bias = zeros)]
    fc: Linear<3, 2, false>,
}

fn main() {}
