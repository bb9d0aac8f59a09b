use init::prelude::*;

#[derive(Module)]
struct Net {
    #[init(eye)]
    conv: Conv2d<3, 3, 3>,
}

fn main() {}
