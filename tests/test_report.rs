//! The init report: every layer with a forward pass reports its output, and each row is named
//! by the layer's path whichever way the network is written (a derived struct with a
//! hand-written forward, `#[module(sequential)]`, `Sequential`, a `Vec` of blocks).

use init::ndarray::{ArrayD, ArrayViewD, Dimension, IxDyn};
use init::prelude::*;
use init::{FlagKind, Report, report, report_with};

fn input(shape: &[usize]) -> ArrayD<f32> {
    ArrayD::from_shape_fn(IxDyn(shape), |i| {
        let k = i.as_array_view().iter().fold(0usize, |acc, &d| acc * 7 + d);
        ((k as f32) * 0.37).sin()
    })
}

fn built<M: Module + Zeroed>() -> M {
    let mut m = M::zeroed();
    m.init_weights(&mut Seed::new(0)).unwrap();
    m
}

/// The last row is the layer itself, named `(root)`, of its kind, with its own parameters.
fn check_root(r: &Report, kind: LayerKind) {
    let last = r.rows().last().unwrap_or_else(|| panic!("{kind}: no row"));
    assert_eq!((last.kind, last.name.as_str(), last.resolved), (kind, "(root)", true), "{kind}");
}

fn check<M: Module + Forward + Zeroed>(kind: LayerKind, shape: &[usize]) {
    let layer: M = built();
    let r = report(&layer, &input(shape)).unwrap_or_else(|e| panic!("{kind}: {e}"));
    check_root(&r, kind);
    let own = layer.named_parameters().into_iter().filter(|(n, _)| !n.contains('.')).count();
    assert_eq!(r.rows().last().unwrap().params.len(), own, "{kind}");
}

fn check_layer<M: Module + Forward>(layer: M, kind: LayerKind, shape: &[usize]) {
    let r = report(&layer, &input(shape)).unwrap_or_else(|e| panic!("{kind}: {e}"));
    check_root(&r, kind);
}

#[test]
fn every_layer_with_a_forward_pass_reports_its_output() {
    use LayerKind as K;
    for kind in LayerKind::ALL {
        match kind {
            K::Linear => check::<Linear<3, 4>>(kind, &[2, 3]),
            K::Bilinear => {
                let b: Bilinear<2, 3, 4> = built();
                let (x1, x2) = (input(&[5, 2]), input(&[5, 3]));
                check_root(&report_with(&b, || b.forward2(x1.view(), x2.view())).unwrap(), kind);
            }
            K::Conv1d => check::<Conv1d<2, 4, 3>>(kind, &[1, 2, 6]),
            K::Conv2d => check::<Conv2d<2, 4, 3>>(kind, &[1, 2, 6, 6]),
            K::Conv3d => check::<Conv3d<2, 4, 3>>(kind, &[1, 2, 4, 4, 4]),
            K::ConvTranspose1d => check::<ConvTranspose1d<2, 4, 3>>(kind, &[1, 2, 6]),
            K::ConvTranspose2d => check::<ConvTranspose2d<2, 4, 3>>(kind, &[1, 2, 5, 5]),
            K::ConvTranspose3d => check::<ConvTranspose3d<2, 4, 3>>(kind, &[1, 2, 3, 3, 3]),
            K::Conv1D => check::<Conv1D<4, 3>>(kind, &[2, 3]),
            K::BatchNorm1d => check::<BatchNorm1d<4>>(kind, &[3, 4]),
            K::BatchNorm2d => check::<BatchNorm2d<4>>(kind, &[2, 4, 3, 3]),
            K::BatchNorm3d => check::<BatchNorm3d<4>>(kind, &[2, 4, 2, 2, 2]),
            K::InstanceNorm1d => check::<InstanceNorm1d<4>>(kind, &[2, 4, 5]),
            K::InstanceNorm2d => check::<InstanceNorm2d<4>>(kind, &[2, 4, 3, 3]),
            K::LayerNorm => check::<LayerNorm<4>>(kind, &[2, 4]),
            K::RMSNorm => check::<RMSNorm<4>>(kind, &[2, 4]),
            K::GroupNorm => check::<GroupNorm<2, 4>>(kind, &[2, 4, 3]),
            K::Embedding => {
                let e: Embedding<10, 4> = built();
                let ids = ArrayD::from_shape_fn(IxDyn(&[2, 3]), |i| (i[0] * 3 + i[1]) as i64);
                check_root(&report_with(&e, || e.lookup(ids.view())).unwrap(), kind);
            }
            K::LSTM => check::<LSTM<4, 8>>(kind, &[5, 2, 4]),
            K::GRU => check::<GRU<4, 8>>(kind, &[5, 2, 4]),
            K::MultiheadAttention => check::<MultiheadAttention<8, 2>>(kind, &[5, 2, 8]),
            K::TransformerEncoderLayer => {
                check::<TransformerEncoderLayer<8, 2, 16>>(kind, &[5, 2, 8])
            }
            K::TransformerDecoderLayer => {
                let d: TransformerDecoderLayer<8, 2, 16> = built();
                let (t, m) = (input(&[5, 2, 8]), input(&[4, 2, 8]));
                check_root(&report_with(&d, || d.forward2(t.view(), m.view())).unwrap(), kind);
            }
            K::MaxPool1d => check::<MaxPool1d<2>>(kind, &[1, 2, 6]),
            K::MaxPool2d => check::<MaxPool2d<2>>(kind, &[1, 2, 6, 6]),
            K::MaxPool3d => check::<MaxPool3d<2>>(kind, &[1, 1, 4, 4, 4]),
            K::AvgPool1d => check::<AvgPool1d<2>>(kind, &[1, 2, 6]),
            K::AvgPool2d => check::<AvgPool2d<2>>(kind, &[1, 2, 6, 6]),
            K::AvgPool3d => check::<AvgPool3d<2>>(kind, &[1, 1, 4, 4, 4]),
            K::AdaptiveAvgPool1d => check::<AdaptiveAvgPool1d<2>>(kind, &[1, 2, 6]),
            K::AdaptiveAvgPool2d => check::<AdaptiveAvgPool2d<2, 2>>(kind, &[1, 2, 6, 6]),
            K::Upsample => {
                let up = Upsample::new().with_scale_factor([2.0]).unwrap();
                check_layer(up, kind, &[1, 1, 3, 3]);
            }
            K::Flatten => check::<Flatten>(kind, &[2, 3, 4]),
            K::Dropout => check::<Dropout>(kind, &[2, 3]),
            K::Identity => check::<Identity>(kind, &[2, 3]),
            K::ReLU => check::<ReLU>(kind, &[2, 3]),
            K::LeakyReLU => check::<LeakyReLU>(kind, &[2, 3]),
            K::PReLU => check::<PReLU<3>>(kind, &[2, 3]),
            K::GELU => check::<GELU>(kind, &[2, 3]),
            K::SiLU => check::<SiLU>(kind, &[2, 3]),
            K::Tanh => check::<Tanh>(kind, &[2, 3]),
            K::Sigmoid => check::<Sigmoid>(kind, &[2, 3]),
            K::Softmax => check::<Softmax>(kind, &[2, 3]),
            K::LogSoftmax => check::<LogSoftmax>(kind, &[2, 3]),
            // Containers have no row of their own: their output is their last child's.
            K::Sequential => {
                let s = Sequential::new().push(built::<Linear<3, 4>>());
                let r = report(&s, &input(&[2, 3])).unwrap();
                let names: Vec<&str> = r.rows().iter().map(|r| r.name.as_str()).collect();
                assert_eq!(names, ["0"]);
            }
            K::ModuleList => {
                let l: ModuleList<Linear<2, 2>> = ModuleList::new();
                assert_eq!(l.kind(), kind);
            }
            other => panic!("no layer of kind {other} in this test: add one"),
        }
    }
}

fn names(r: &Report) -> Vec<&str> {
    r.rows().iter().map(|r| r.name.as_str()).collect()
}

/// A hand-written forward, its zero-sized activations sharing an address, and one
/// temporary activation that is not a part of the tree.
#[derive(Module)]
struct Hand {
    fc1: Linear<4, 8>,
    act1: ReLU,
    fc2: Linear<8, 8>,
    act2: ReLU,
    out: Linear<8, 2>,
}

impl Forward for Hand {
    fn forward(&self, x: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>, InitError> {
        let h = self.act1.forward(self.fc1.forward(x)?.view())?;
        let h = self.act2.forward(self.fc2.forward(h.view())?.view())?;
        let h = Tanh.forward(h.view())?;
        self.out.forward(h.view())
    }
}

#[test]
fn a_hand_written_forward_is_named_by_field() {
    let net = Hand::new(&mut Seed::new(0)).unwrap();
    let r = report(&net, &input(&[16, 4])).unwrap();
    assert_eq!(names(&r), ["fc1", "act1", "fc2", "act2", "Tanh #1 (call 5)", "out"]);
    assert!(!r.rows()[4].resolved && r.rows()[4].params.is_empty());
    let p: Vec<&str> = r.rows()[2].params.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(p, ["fc2.weight", "fc2.bias"]);
    assert_eq!(r.rows()[2].params[0].origin.as_deref(), Some("default: Linear"));
}

#[derive(Module)]
#[module(sequential)]
struct Chain {
    fc: Linear<4, 8>,
    act: Tanh,
    out: Linear<8, 2>,
    last: Sigmoid,
}

#[test]
fn a_sequential_struct_and_a_sequential_are_named_by_path() {
    let net = Chain::new(&mut Seed::new(0)).unwrap();
    assert_eq!(names(&report(&net, &input(&[4, 4])).unwrap()), ["fc", "act", "out", "last"]);
    let seq = Sequential::new()
        .push(built::<Linear<4, 8>>())
        .push(ReLU)
        .push(built::<Linear<8, 8>>())
        .push(ReLU)
        .push(Sequential::new().push(built::<Linear<8, 2>>()).push(Tanh));
    let r = report(&seq, &input(&[4, 4])).unwrap();
    assert_eq!(names(&r), ["0", "1", "2", "3", "4.0", "4.1"]);
}

#[derive(Module)]
#[module(sequential)]
struct Block {
    fc: Linear<8, 8>,
    act: ReLU,
}

#[derive(Module)]
struct Deep {
    inp: Linear<4, 8>,
    #[module(len = 3)]
    blocks: Vec<Block>,
    head: Linear<8, 2>,
}

impl Forward for Deep {
    fn forward(&self, x: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>, InitError> {
        let mut h = self.inp.forward(x)?;
        for b in &self.blocks {
            h = b.forward(h.view())?;
        }
        self.head.forward(h.view())
    }
}

#[test]
fn a_vec_of_blocks_is_named_by_index() {
    let net = Deep::new(&mut Seed::new(0)).unwrap();
    let r = report(&net, &input(&[4, 4])).unwrap();
    assert_eq!(
        names(&r),
        [
            "inp",
            "blocks.0.fc",
            "blocks.0.act",
            "blocks.1.fc",
            "blocks.1.act",
            "blocks.2.fc",
            "blocks.2.act",
            "head"
        ]
    );
    let depth: Vec<String> = r.depth_std().into_iter().map(|(n, _)| n).collect();
    assert_eq!(depth, ["inp", "blocks.0.fc", "blocks.1.fc", "blocks.2.fc", "head"]);
}

#[test]
fn statistics_and_flags_follow_their_stated_thresholds() {
    // A Linear with every weight -1 and bias 0 after a positive input: every ReLU unit dead.
    let mut fc = Linear::<4, 6>::zeroed();
    init::constant(-1.0).fill(fc.get_parameter_mut("weight").unwrap()).unwrap();
    let net = Sequential::new().push(fc).push(ReLU);
    let x = ArrayD::from_elem(IxDyn(&[8, 4]), 1.0f32);
    let r = report(&net, &x).unwrap();
    let relu = &r.rows()[1];
    assert_eq!((relu.zeros, relu.dead, relu.std), (1.0, Some((6, 6)), 0.0));
    let kinds: Vec<FlagKind> = r.flags().iter().map(|f| f.kind).collect();
    assert_eq!(kinds, [FlagKind::Constant, FlagKind::Constant, FlagKind::DeadUnits]);
    assert_eq!(
        r.flags()[2].to_string(),
        "1: ReLU: 100% zeros; 6 of 6 units dead on the whole batch"
    );
    // constant(-1) intends std 0: nothing to compare a measured std with, no ParamStd flag.
    assert_eq!(r.rows()[0].params[0].intended, Some(0.0));
    // Saturated sigmoid: inputs of ±10.
    let sig = Sequential::new().push(Sigmoid);
    let x =
        ArrayD::from_shape_fn(
            IxDyn(&[4, 5]),
            |i| if (i[0] + i[1]) % 2 == 0 { 10.0 } else { -10.0 },
        );
    let r = report(&sig, &x).unwrap();
    assert_eq!(r.rows()[0].saturated, Some(1.0));
    assert_eq!(
        r.flags()[0].to_string(),
        "0: sigmoid: 100% of outputs below 0.01 or above 0.99: saturated"
    );
    // The table prints every row and the flags.
    let table = r.to_string();
    assert!(table.contains("Sigmoid") && table.contains("flags:"), "{table}");
}

#[test]
fn a_parameter_off_its_intended_std_is_flagged() {
    let mut net = Sequential::new().push(Linear::<64, 64>::zeroed());
    init::normal()
        .std(0.1)
        .fill(net.get_parameter_mut("0.weight").unwrap(), &mut Seed::new(0))
        .unwrap();
    let r = report(&net, &input(&[4, 64])).unwrap();
    let w = &r.rows()[0].params[0];
    assert_eq!(w.intended, Some(0.1));
    assert!((w.std / 0.1 - 1.0).abs() < 0.05);
    assert!(r.flags().iter().all(|f| f.kind != FlagKind::ParamStd));
    // Scaling the values by hand clears the intended std: nothing to compare with.
    for v in net.get_parameter_mut("0.weight").unwrap().as_slice_mut() {
        *v *= 3.0;
    }
    let r = report(&net, &input(&[4, 64])).unwrap();
    assert_eq!(r.rows()[0].params[0].intended, None);
}

#[test]
fn a_wrong_input_is_the_forward_error() {
    let net = Chain::new(&mut Seed::new(0)).unwrap();
    let err = report(&net, &input(&[4, 5])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "fc: Linear: input of shape [4, 5] must have last dimension 4 (in_features)"
    );
}
