use init::prelude::*;

fn width() -> usize {
    4
}

#[derive(Module)]
struct Net {
    #[param(shape = [width()])]
    gamma: Param,
}

fn main() {}
