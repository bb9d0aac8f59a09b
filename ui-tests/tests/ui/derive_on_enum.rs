use init::prelude::*;

#[derive(Module)]
enum Net {
    A(Linear<3, 2>),
}

fn main() {}
