use init::prelude::*;

#[derive(Module)]
struct Net {
    #[init(values = [[0, "one", 0]])]
    fc: Linear<3, 2>,
}

fn main() {}
