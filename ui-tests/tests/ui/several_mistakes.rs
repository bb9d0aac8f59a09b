use init::prelude::*;

#[derive(Module)]
#[init(Linera = zeros)]
struct Net {
    #[init(xavier_uniform(gain = "2"))]
    a: Linear<3, 2>,
    #[init(bias = constant)]
    b: Linear<2, 2>,
}

fn main() {}
