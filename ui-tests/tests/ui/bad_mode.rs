use init::prelude::*;

#[derive(Module)]
struct Net {
    #[init(kaiming_uniform(mode = "fan_avg"))]
    fc: Linear<3, 2>,
}

fn main() {}
