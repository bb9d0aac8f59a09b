//! Hugging Face's `Conv1D` (GPT-2's transposed-layout linear layer) against transformers'
//! own: init bit for bit, names, forward; its kind in struct rules; its fans.

mod common;

use init::ndarray::{ArrayD, Axis};
use init::prelude::*;
use init::{FanAxes, Fans};

#[test]
fn conv1d_matches_transformers() {
    let fx = common::Fixture::load("hf_conv1d");
    assert_eq!(fx.meta["ctor"], "Conv1D(6, 4)");
    let seed: u64 = fx.meta["seed"].parse().unwrap();
    let mut m = Conv1D::<6, 4>::new(&mut TorchGenerator::new(seed)).unwrap();
    assert_eq!(m.weight().unwrap().shape(), &[4, 6]);
    fx.assert_state_eq(&m, "init");
    common::Names::load("hf_conv1d").assert_match(&mut m);
    fx.load_into(&mut m, "param");
    let (x, want) = (fx.f32("input"), fx.f32("output"));
    common::assert_close(&m.forward(x.view()).unwrap(), &want, "hf_conv1d");
    let y0 = m.forward(x.index_axis(Axis(0), 0)).unwrap();
    common::assert_close(&y0, &want.index_axis(Axis(0), 0).to_owned(), "hf_conv1d[0]");
}

/// Standard deviation of the parameter's values.
fn std(p: &Param) -> f64 {
    let n = p.numel() as f64;
    let mean = p.as_slice().iter().map(|&v| v as f64).sum::<f64>() / n;
    (p.as_slice().iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n).sqrt()
}

#[derive(Module)]
#[init(Conv1D = kaiming_normal)]
struct Mlp {
    c_fc: Conv1D<512, 64>,
    inner: Proj,
}

#[derive(Module)]
#[init(Conv1D = normal(std = 0.02))]
struct Proj {
    c_proj: Conv1D<64, 512>,
}

#[test]
fn struct_rules_reach_conv1d_and_its_fan_in_is_dim_1() {
    // PyTorch's _calculate_fan_in_and_fan_out on a [NX, NF] = [64, 512] weight: fan_in = 512.
    let fans = Fans::compute("kaiming_normal", &[64, 512], FanAxes::TORCH).unwrap();
    assert_eq!((fans.fan_in, fans.fan_out), (512, 64));
    let m = Mlp::new(&mut Seed::new(11)).unwrap();
    // kaiming_normal (fan_in, leaky_relu a = 0): std = √2/√512 = 0.0625, within 2%.
    let s = std(m.c_fc.weight().unwrap());
    assert!((s / 0.0625 - 1.0).abs() < 0.02, "c_fc.weight std {s}");
    // The nearer rule wins for the inner Conv1D: N(0, 0.02²).
    let s = std(m.inner.c_proj.weight().unwrap());
    assert!((s / 0.02 - 1.0).abs() < 0.02, "c_proj.weight std {s}");
    // The default, without rules: N(0, 0.02²) and a zero bias.
    let d = Conv1D::<256, 128>::new(&mut Seed::new(12)).unwrap();
    let s = std(d.weight().unwrap());
    assert!((s / 0.02 - 1.0).abs() < 0.02, "default weight std {s}");
    assert!(d.bias().unwrap().as_slice().iter().all(|&b| b == 0.0));
}

#[test]
fn wrong_inputs_are_errors() {
    let m = Conv1D::<6, 4>::zeroed();
    let err = |shape: &[usize]| m.forward(ArrayD::zeros(shape.to_vec()).view()).unwrap_err();
    assert_eq!(
        err(&[2, 6]).to_string(),
        "Conv1D: input of shape [2, 6] must have last dimension 4 (nx)"
    );
    assert_eq!(err(&[]).to_string(), "Conv1D: input of shape [] must have last dimension 4 (nx)");
    assert_eq!(m.forward(ArrayD::zeros(vec![0, 4]).view()).unwrap().shape(), &[0, 6]);
}
