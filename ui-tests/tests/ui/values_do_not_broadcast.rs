use init::prelude::*;

#[derive(Module)]
struct Net {
    #[init(values = [[1, 2], [3, 4]])]
    fc: Linear<3, 10>,
}

fn main() {}
