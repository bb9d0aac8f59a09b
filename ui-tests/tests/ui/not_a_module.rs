use init::prelude::*;

#[derive(Module)]
struct Net {
    fc: Linear<3, 10>,
    name: String,
}

fn main() {}
