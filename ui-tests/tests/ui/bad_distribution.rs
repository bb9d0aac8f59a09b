use init::prelude::*;

#[derive(Module)]
struct Net {
    #[init(variance_scaling(distribution = "gaussian"))]
    fc: Linear<3, 2>,
}

fn main() {}
