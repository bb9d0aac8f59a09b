use init::prelude::*;

#[derive(Module)]
struct Net {
    #[init(zeros)]
    pool: MaxPool2d<2, 2>,
}

fn main() {}
