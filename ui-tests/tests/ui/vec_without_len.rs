use init::prelude::*;

#[derive(Module)]
struct Net {
    h: Vec<Linear<4, 4>>,
}

fn main() {}
