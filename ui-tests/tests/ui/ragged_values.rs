use init::prelude::*;

#[derive(Module)]
struct Net {
    #[init(values = [[0, 0, 0], [1, 1]])]
    fc: Linear<3, 2>,
}

fn main() {}
