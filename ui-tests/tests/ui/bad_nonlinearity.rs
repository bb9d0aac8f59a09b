use init::prelude::*;

#[derive(Module)]
struct Net {
    #[init(kaiming_normal(nonlinearity = "gelu"))]
    fc: Linear<3, 2>,
}

fn main() {}
