use init::prelude::*;

#[derive(Module)]
struct Net {
    #[buffer(shape = [4])]
    #[init(normal)]
    running: Buffer,
}

fn main() {}
