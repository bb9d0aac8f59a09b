use init::prelude::*;

#[derive(Module)]
struct Net {
    #[init(kaiming_normal(nonlinearty = "relu"))]
    fc: Linear<3, 2>,
}

fn main() {}
