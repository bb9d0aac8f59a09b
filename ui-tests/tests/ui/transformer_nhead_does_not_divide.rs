use init::prelude::*;

#[derive(Module)]
struct Encoder {
    layer: TransformerEncoderLayer<10, 4, 32>,
}

fn main() {}
