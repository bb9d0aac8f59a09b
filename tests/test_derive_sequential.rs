//! `#[module(sequential)]`: the generated forward equals the hand-chained one, errors name
//! the field, and sequential structs nest through their `Features`.

use init::ndarray::{ArrayD, IxDyn};
use init::prelude::*;
use init::{Features, Width};

#[derive(Module)]
#[module(sequential)]
struct Mlp<const D: usize>(Linear<D, 32>, GELU, Linear<32, D>);

#[derive(Module)]
#[module(sequential)]
struct Net {
    conv: Conv2d<1, 4, 3>,
    bn: BatchNorm2d<4>,
    act: ReLU,
    pool: MaxPool2d<2, 2>,
    flat: Flatten,
    proj: Linear<64, 8>,
    mlp: Mlp<8>,
    #[module(skip)]
    label: String,
}

fn input() -> ArrayD<f32> {
    ArrayD::from_shape_fn(IxDyn(&[2, 1, 10, 10]), |i| ((i[2] * 10 + i[3]) as f32 * 0.37).sin())
}

#[test]
fn the_generated_forward_equals_the_hand_chained_one() {
    let net = Net::new(&mut Seed::new(3)).unwrap();
    assert_eq!(net.label, "");
    let x = input();
    let got = net.forward(x.view()).unwrap();
    let h = net.conv.forward(x.view()).unwrap();
    let h = net.bn.forward(h.view()).unwrap();
    let h = net.act.forward(h.view()).unwrap();
    let h = net.pool.forward(h.view()).unwrap();
    let h = net.flat.forward(h.view()).unwrap();
    let h = net.proj.forward(h.view()).unwrap();
    let h = net.mlp.0.forward(h.view()).unwrap();
    let h = net.mlp.1.forward(h.view()).unwrap();
    let want = net.mlp.2.forward(h.view()).unwrap();
    assert_eq!(got.shape(), &[2, 8]);
    assert_eq!(got, want);
    assert!(got.iter().any(|&v| v != 0.0));
}

#[test]
fn a_runtime_error_names_the_field_that_failed() {
    let net = Net::new(&mut Seed::new(3)).unwrap();
    let err = net.forward(ArrayD::zeros(vec![2, 1, 12, 12]).view()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "proj: Linear: input of shape [2, 100] must have last dimension 64 (in_features)"
    );
    let err = net.mlp.forward(ArrayD::zeros(vec![1, 3]).view()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "0: Linear: input of shape [1, 3] must have last dimension 8 (in_features)"
    );
}

#[test]
fn sequential_structs_state_their_feature_counts() {
    assert_eq!(<Mlp<8> as Features>::IN, Width::Exactly(8));
    assert_eq!(<Mlp<8> as Features>::OUT, Width::Exactly(8));
    assert_eq!(<Net as Features>::IN, Width::Exactly(1));
    assert_eq!(<Net as Features>::OUT, Width::Exactly(8));
}
