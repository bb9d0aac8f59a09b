use init::prelude::*;

#[derive(Module)]
#[init(Conv2 = kaiming_normal)]
struct Net {
    fc: Linear<3, 2>,
}

fn main() {}
