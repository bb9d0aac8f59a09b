use init::prelude::*;

#[derive(Module)]
struct Net {
    #[init(kaiming_norml)]
    fc: Linear<3, 2>,
}

fn main() {}
