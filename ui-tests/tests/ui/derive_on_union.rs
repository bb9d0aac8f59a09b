use init::prelude::*;

#[derive(Module)]
union Net {
    a: u32,
}

fn main() {}
