use init::prelude::*;

const D: usize = 4;

#[derive(Module)]
struct Net {
    #[param(shape = [1, 1, D])]
    #[init(values = [1, 2, 3])]
    cls_token: Param,
}

fn main() {}
