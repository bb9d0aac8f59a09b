use init::prelude::*;

#[derive(Module)]
struct Net {
    #[init(bias = kaiming_normal)]
    fc: Linear<3, 2>,
}

fn main() {}
