use init::prelude::*;

#[derive(Module)]
struct Net {
    #[layer(batch_first = 1)]
    lstm: LSTM<8, 4>,
}

fn main() {}
