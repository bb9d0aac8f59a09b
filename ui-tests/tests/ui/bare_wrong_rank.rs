use init::prelude::*;

#[derive(Module)]
struct Net {
    #[param(shape = [8])]
    #[init(orthogonal)]
    gamma: Param,
}

fn main() {}
