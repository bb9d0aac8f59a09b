use init::prelude::*;

#[derive(Module)]
struct Net {
    #[init(weight_hh_l1 = orthogonal)]
    lstm: LSTM<4, 8>,
}

fn main() {}
