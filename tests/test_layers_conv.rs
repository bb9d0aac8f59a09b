//! Convolutions against PyTorch: default init bit for bit, names, forward passes; default-init
//! statistics; error messages.

mod common;

use init::ndarray::{ArrayD, Axis};
use init::{
    Conv1d, Conv2d, Conv3d, ConvTranspose2d, Forward, Generator, LayerKind, Module, Param, Seed,
    TorchGenerator,
};

/// Build `case`'s layer with `TorchGenerator::new(seed)` and check it against PyTorch: the
/// constructor expression, default init bit for bit, every name list, and the forward pass
/// on `param.*` (batched, and the first item alone without a batch axis).
fn check_case<M: Module + Forward>(case: &str, ctor: &str, build: fn(&mut dyn Generator) -> M) {
    let fx = common::Fixture::load(case);
    assert_eq!(fx.meta["ctor"], ctor, "{case}: the fixture was built by another constructor");
    let seed: u64 = fx.meta["seed"].parse().unwrap();
    let mut m = build(&mut TorchGenerator::new(seed));
    fx.assert_state_eq(&m, "init");
    common::Names::load(case).assert_match(&mut m);
    fx.load_into(&mut m, "param");
    let (x, want) = (fx.f32("input"), fx.f32("output"));
    let y = m.forward(x.view()).unwrap();
    common::assert_close(&y, &want, case);
    let y0 = m.forward(x.index_axis(Axis(0), 0)).unwrap();
    common::assert_close(&y0, &want.index_axis(Axis(0), 0).to_owned(), &format!("{case}[0]"));
}

#[test]
fn conv1d_matches_pytorch() {
    check_case("conv1d", "nn.Conv1d(4, 6, 3, stride=2, padding=1, groups=2)", |rng| {
        Conv1d::<4, 6, 3, 2, 1, 1, 2>::new(rng).unwrap()
    });
}

#[test]
fn conv2d_matches_pytorch() {
    check_case("conv2d", "nn.Conv2d(3, 5, 3)", |rng| Conv2d::<3, 5, 3>::new(rng).unwrap());
}

#[test]
fn conv2d_strided_dilated_grouped_matches_pytorch() {
    check_case(
        "conv2d_strided",
        "nn.Conv2d(4, 6, 3, stride=2, padding=1, dilation=2, groups=2)",
        |rng| Conv2d::<4, 6, 3, 2, 1, 2, 2>::new(rng).unwrap(),
    );
}

#[test]
fn conv2d_without_bias_matches_pytorch() {
    check_case("conv2d_nobias", "nn.Conv2d(2, 3, 1, bias=False)", |rng| {
        Conv2d::<2, 3, 1, 1, 0, 1, 1, false>::new(rng).unwrap()
    });
}

#[test]
fn conv3d_matches_pytorch() {
    check_case("conv3d", "nn.Conv3d(2, 4, 3, padding=1)", |rng| {
        Conv3d::<2, 4, 3, 1, 1>::new(rng).unwrap()
    });
}

#[test]
fn conv_transpose2d_matches_pytorch() {
    check_case(
        "conv_transpose2d",
        "nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2)",
        |rng| ConvTranspose2d::<4, 6, 3, 2, 1, 1, 1, 2>::new(rng).unwrap(),
    );
}

#[test]
fn conv_transpose2d_dilated_matches_pytorch() {
    check_case("conv_transpose2d_dil", "nn.ConvTranspose2d(3, 2, 3, dilation=2)", |rng| {
        ConvTranspose2d::<3, 2, 3, 1, 0, 0, 2>::new(rng).unwrap()
    });
}

/// max |v| over the parameter.
fn max_abs(p: &Param) -> f64 {
    p.as_slice().iter().fold(0f64, |m, v| m.max(v.abs() as f64))
}

/// Standard deviation of the parameter's values.
fn std(p: &Param) -> f64 {
    let n = p.numel() as f64;
    let mean = p.as_slice().iter().map(|&v| v as f64).sum::<f64>() / n;
    (p.as_slice().iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n).sqrt()
}

/// Both parameters are U(−b, b) with `b = 1/√fan_in` (PyTorch's `kaiming_uniform(a = √5)` on
/// the weight, the same bound on the bias): the observed max |w| and max |b| are within 1%
/// of `b` and never above it, and the weight's std is within 2% of `b/√3`.
fn assert_uniform_bound(m: &dyn Module, fan_in: usize, what: &str) -> [f64; 3] {
    let bound = 1.0 / (fan_in as f64).sqrt();
    let (w, b) = (m.weight().unwrap(), m.bias().unwrap());
    for (name, p) in [("weight", w), ("bias", b)] {
        let seen = max_abs(p);
        assert!(seen <= bound * (1.0 + 1e-6), "{what}.{name}: max |v| {seen} > bound {bound}");
        assert!(seen >= 0.99 * bound, "{what}.{name}: max |v| {seen} < 0.99 x bound {bound}");
    }
    let want_std = bound / 3f64.sqrt();
    assert!((std(w) / want_std - 1.0).abs() < 0.02, "{what}.weight: std {} vs {want_std}", std(w));
    [max_abs(w) / bound, max_abs(b) / bound, std(w) / want_std]
}

#[test]
fn default_init_statistics_follow_pytorch_formulas() {
    // `Seed` keys each stream by (seed, path): layers built alone all name their parameters
    // `weight` and `bias`, so each gets its own seed to keep the four samples independent.
    // Conv2d(64, 128, 3): fan_in = 64 · 3² = 576, b = 1/24.
    let c2 = Conv2d::<64, 128, 3>::new(&mut Seed::new(1)).unwrap();
    let r2 = assert_uniform_bound(&c2, 64 * 9, "Conv2d<64, 128, 3>");
    // Conv1d(16, 512, 5, groups=4): fan_in = (16 / 4) · 5 = 20.
    let c1 = Conv1d::<16, 512, 5, 1, 0, 1, 4>::new(&mut Seed::new(2)).unwrap();
    let r1 = assert_uniform_bound(&c1, 4 * 5, "Conv1d<16, 512, 5, groups 4>");
    // Conv3d(8, 512, 3): fan_in = 8 · 3³ = 216.
    let c3 = Conv3d::<8, 512, 3>::new(&mut Seed::new(3)).unwrap();
    let r3 = assert_uniform_bound(&c3, 8 * 27, "Conv3d<8, 512, 3>");
    // ConvTranspose2d(8, 512, 3, groups=2): weight [8, 256, 3, 3]; PyTorch's fan_in is the
    // weight's dim 1 times the kernel: (512 / 2) · 3² = 2304, for the weight and the bias.
    let t2 = ConvTranspose2d::<8, 512, 3, 1, 0, 0, 1, 2>::new(&mut Seed::new(4)).unwrap();
    assert_eq!(t2.weight().unwrap().shape(), &[8, 256, 3, 3]);
    let rt = assert_uniform_bound(&t2, 256 * 9, "ConvTranspose2d<8, 512, 3, groups 2>");
    println!("observed [max|w|/b, max|bias|/b, std(w)/(b/√3)]: {r2:?} {r1:?} {r3:?} {rt:?}");
}

#[test]
fn layers_say_what_they_are_and_hold_pytorch_shapes() {
    let c1 = Conv1d::<4, 6, 3, 2, 1, 1, 2>::zeroed();
    let c2 = Conv2d::<4, 6, 3, 1, 0, 1, 1, false>::zeroed();
    let c3 = Conv3d::<2, 4, 3>::zeroed();
    let t2 = ConvTranspose2d::<4, 6, 3, 2, 1, 1, 1, 2>::zeroed();
    let cases: [(&dyn Module, LayerKind, &[usize]); 4] = [
        (&c1, LayerKind::Conv1d, &[6, 2, 3]),
        (&c2, LayerKind::Conv2d, &[6, 4, 3, 3]),
        (&c3, LayerKind::Conv3d, &[4, 2, 3, 3, 3]),
        (&t2, LayerKind::ConvTranspose2d, &[4, 3, 3, 3]),
    ];
    for (m, kind, shape) in cases {
        assert_eq!(m.kind(), kind);
        assert_eq!(m.weight().unwrap().shape(), shape, "{kind}");
        assert!(m.weight().unwrap().as_slice().iter().all(|&w| w == 0.0));
    }
    assert!(c2.bias().is_none());
    assert_eq!(t2.bias().unwrap().shape(), &[6]);
}

#[test]
fn a_one_point_kernel_is_a_per_pixel_matrix_product() {
    // The kernel's no-column fast path, against the same layer seen as a strided one.
    let mut rng = Seed::new(7);
    let conv = Conv2d::<4, 6, 1, 1, 0, 1, 2>::new(&mut rng).unwrap();
    let x = ArrayD::from_shape_fn(vec![2, 4, 3, 5], |i| (i[0] + 2 * i[1] + 3 * i[2] + i[3]) as f32);
    let y = conv.forward(x.view()).unwrap();
    let w = conv.weight().unwrap().view();
    let b = conv.bias().unwrap().as_slice();
    for n in 0..2 {
        for o in 0..6 {
            let g = o / 3;
            for (h, wi) in [(0, 0), (2, 4), (1, 3)] {
                let want: f32 =
                    b[o] + (0..2).map(|c| w[[o, c, 0, 0]] * x[[n, g * 2 + c, h, wi]]).sum::<f32>();
                assert!((y[[n, o, h, wi]] - want).abs() < 1e-5);
            }
        }
    }
    // ConvTranspose2d with a 1-point kernel, stride 1: the transposed product.
    let t = ConvTranspose2d::<4, 6, 1, 1, 0, 0, 1, 2>::new(&mut rng).unwrap();
    let y = t.forward(x.view()).unwrap();
    let w = t.weight().unwrap().view();
    let b = t.bias().unwrap().as_slice();
    let want: f32 = b[4] + (0..2).map(|c| w[[2 + c, 1, 0, 0]] * x[[1, 2 + c, 2, 3]]).sum::<f32>();
    assert!((y[[1, 4, 2, 3]] - want).abs() < 1e-5);
}

#[test]
fn empty_batches_and_empty_channel_sets_do_not_panic() {
    let conv = Conv2d::<3, 5, 3>::new(&mut Seed::new(0)).unwrap();
    let y = conv.forward(ArrayD::zeros(vec![0, 3, 7, 7]).view()).unwrap();
    assert_eq!(y.shape(), &[0, 5, 5, 5]);
    // No input channels: the output is the bias, whose bound 1/√0 is taken as 0.
    let empty = Conv2d::<0, 2, 3>::new(&mut Seed::new(0)).unwrap();
    let y = empty.forward(ArrayD::zeros(vec![1, 0, 4, 4]).view()).unwrap();
    assert_eq!(y.shape(), &[1, 2, 2, 2]);
    assert!(y.iter().all(|&v| v == 0.0));
    let t = ConvTranspose2d::<2, 4, 3, 2>::new(&mut Seed::new(0)).unwrap();
    let y = t.forward(ArrayD::zeros(vec![0, 2, 3, 3]).view()).unwrap();
    assert_eq!(y.shape(), &[0, 4, 7, 7]);
}

#[test]
fn wrong_inputs_are_errors_with_exact_messages() {
    let err = |r: init::Result<ArrayD<f32>>| r.unwrap_err().to_string();
    let x = |shape: &[usize]| ArrayD::<f32>::zeros(shape.to_vec());

    let c1 = Conv1d::<4, 6, 3, 2, 1, 1, 2>::zeroed();
    assert_eq!(
        err(c1.forward(x(&[11]).view())),
        "Conv1d: input of shape [11] must have 3 dimensions [N, C, L], or 2 [C, L] without a \
         batch axis"
    );
    assert_eq!(
        err(c1.forward(x(&[2, 3, 11]).view())),
        "Conv1d: input of shape [2, 3, 11] must have 4 channels (in_channels) at dimension 1"
    );

    let c2 = Conv2d::<3, 5, 3>::zeroed();
    assert_eq!(
        err(c2.forward(x(&[3, 7]).view())),
        "Conv2d: input of shape [3, 7] must have 4 dimensions [N, C, H, W], or 3 [C, H, W] \
         without a batch axis"
    );
    assert_eq!(
        err(c2.forward(x(&[4, 7, 7]).view())),
        "Conv2d: input of shape [4, 7, 7] must have 3 channels (in_channels) at dimension 0"
    );
    assert_eq!(
        err(c2.forward(x(&[1, 3, 2, 7]).view())),
        "Conv2d: input of shape [1, 3, 2, 7] is too small: its padded spatial size [2, 7] must \
         be at least the dilated kernel size 3 on every axis"
    );
    // Padding 1 and dilation 2: a 3-point kernel spans 5 pixels.
    let strided = Conv2d::<4, 6, 3, 2, 1, 2, 2>::zeroed();
    assert_eq!(
        err(strided.forward(x(&[1, 4, 2, 3]).view())),
        "Conv2d: input of shape [1, 4, 2, 3] is too small: its padded spatial size [4, 5] must \
         be at least the dilated kernel size 5 on every axis"
    );
    assert!(strided.forward(x(&[1, 4, 3, 3]).view()).is_ok());

    let c3 = Conv3d::<2, 4, 3>::zeroed();
    assert_eq!(
        err(c3.forward(x(&[2, 5, 6]).view())),
        "Conv3d: input of shape [2, 5, 6] must have 5 dimensions [N, C, D, H, W], or 4 \
         [C, D, H, W] without a batch axis"
    );
    // Four dimensions are read as an unbatched [C, D, H, W].
    assert_eq!(
        err(c3.forward(x(&[1, 2, 5, 6]).view())),
        "Conv3d: input of shape [1, 2, 5, 6] must have 2 channels (in_channels) at dimension 0"
    );

    let t = ConvTranspose2d::<4, 4, 3, 1, 3>::zeroed();
    assert_eq!(
        err(t.forward(x(&[1, 4, 2, 5]).view())),
        "ConvTranspose2d: input of shape [1, 4, 2, 5] gives an output spatial size of [-2, 1], \
         which must be at least 1 on every axis"
    );
    assert_eq!(
        err(t.forward(x(&[1, 2, 5, 5]).view())),
        "ConvTranspose2d: input of shape [1, 2, 5, 5] must have 4 channels (in_channels) at \
         dimension 1"
    );
}
