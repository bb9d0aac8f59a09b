//! Parameterless layers (pooling, flatten, dropout, identity, activations) against PyTorch's
//! fixtures: names, "default init" (nothing, and no random draws), forward outputs, and the
//! exact error messages of bad inputs.

mod common;

use init::ndarray::{ArrayD, Axis, IxDyn};
use init::{
    AdaptiveAvgPool2d, AvgPool2d, Dropout, Flatten, Forward, ForwardModule, GELU, GeluApproximate,
    Identity, LeakyReLU, MaxPool2d, Module, ReLU, Seed, Sequential, SiLU, Sigmoid, Tanh,
    TorchGenerator,
};

/// Everything a fixture case pins for a layer without parameters: PyTorch built it with
/// `ctor`; its state dict is empty at init and for the forward pass; building it drew nothing
/// from the generator (so the next draw equals a fresh generator's); its names match; and
/// `forward(input)` matches `output`.
fn check_case(case: &str, ctor: &str, mut m: impl ForwardModule) {
    let fx = common::Fixture::load(case);
    assert_eq!(fx.meta["ctor"], ctor, "{case}: the fixture was built by another constructor");
    assert_eq!(fx.meta["forward"], "output = model(input)", "{case}");
    let seed: u64 = fx.meta["seed"].parse().unwrap();

    assert!(fx.keys("init").is_empty() && fx.keys("param").is_empty(), "{case}: PyTorch has state");
    let mut rng = TorchGenerator::new(seed);
    m.reset_parameters("", &mut rng).unwrap();
    assert_eq!(rng.random(), TorchGenerator::new(seed).random(), "{case}: init drew numbers");
    fx.assert_state_eq(&m, "init");
    assert_eq!(m.num_parameters(), 0);

    common::Names::load(case).assert_match(&mut m);
    fx.load_into(&mut m, "param");
    let y = m.forward(fx.f32("input").view()).unwrap();
    common::assert_close(&y, &fx.f32("output"), case);
}

#[test]
fn maxpool2d_matches_pytorch() {
    check_case("maxpool2d", "nn.MaxPool2d(2, 2)", MaxPool2d::<2, 2>::new());
}

#[test]
fn maxpool2d_pad_matches_pytorch() {
    check_case(
        "maxpool2d_pad",
        "nn.MaxPool2d(3, stride=2, padding=1)",
        MaxPool2d::<3, 2, 1>::new(),
    );
}

#[test]
fn avgpool2d_matches_pytorch() {
    check_case("avgpool2d", "nn.AvgPool2d(3, stride=2, padding=1)", AvgPool2d::<3, 2, 1>::new());
}

#[test]
fn adaptive_avgpool2d_matches_pytorch() {
    check_case("adaptive_avgpool2d", "nn.AdaptiveAvgPool2d((3, 2))", AdaptiveAvgPool2d::<3, 2>);
}

#[test]
fn flatten_matches_pytorch() {
    check_case("flatten", "nn.Flatten()", Flatten::new());
}

#[test]
fn dropout_matches_pytorch_in_eval_mode() {
    check_case("dropout", "nn.Dropout(0.5)", Dropout::with_p(0.5).unwrap());
}

#[test]
fn identity_matches_pytorch() {
    check_case("identity", "nn.Identity()", Identity);
}

#[test]
fn relu_matches_pytorch() {
    check_case("relu", "nn.ReLU()", ReLU);
}

#[test]
fn leaky_relu_matches_pytorch() {
    check_case("leaky_relu", "nn.LeakyReLU(0.2)", LeakyReLU::with_negative_slope(0.2));
}

#[test]
fn gelu_matches_pytorch() {
    check_case("gelu", "nn.GELU()", GELU::new());
}

#[test]
fn gelu_tanh_matches_pytorch() {
    check_case("gelu_tanh", r#"nn.GELU(approximate="tanh")"#, GELU::tanh());
}

#[test]
fn silu_matches_pytorch() {
    check_case("silu", "nn.SiLU()", SiLU);
}

#[test]
fn tanh_matches_pytorch() {
    check_case("tanh", "nn.Tanh()", Tanh);
}

#[test]
fn sigmoid_matches_pytorch() {
    check_case("sigmoid", "nn.Sigmoid()", Sigmoid);
}

#[test]
fn defaults_are_pytorchs() {
    assert_eq!(Dropout::default().p(), 0.5);
    assert_eq!(LeakyReLU::default().negative_slope(), 0.01);
    assert_eq!(GELU::default().approximate(), GeluApproximate::None);
    assert_eq!("none".parse::<GeluApproximate>().unwrap(), GeluApproximate::None);
    assert_eq!(GELU::with_approximate("tanh".parse().unwrap()), GELU::tanh());
    assert_eq!((Flatten::default().start_dim(), Flatten::default().end_dim()), (1, -1));
    assert!(AvgPool2d::<2>::default().count_include_pad());
    assert_eq!(MaxPool2d::<2>::default(), MaxPool2d::<2, 2, 0, 1>::new());
}

#[test]
fn every_layer_reports_its_kind() {
    let kinds: Vec<String> = [
        Box::new(MaxPool2d::<2>::new()) as Box<dyn Module>,
        Box::new(AvgPool2d::<2>::new()),
        Box::new(AdaptiveAvgPool2d::<1, 1>),
        Box::new(Flatten::new()),
        Box::new(Dropout::new()),
        Box::new(Identity),
        Box::new(ReLU),
        Box::new(LeakyReLU::new()),
        Box::new(GELU::new()),
        Box::new(SiLU),
        Box::new(Tanh),
        Box::new(Sigmoid),
    ]
    .iter()
    .map(|m| m.kind().to_string())
    .collect();
    let want = "MaxPool2d AvgPool2d AdaptiveAvgPool2d Flatten Dropout Identity ReLU LeakyReLU GELU \
                SiLU Tanh Sigmoid";
    assert_eq!(kinds.join(" "), want);
}

/// Dropout in training mode with `Seed`: over 10⁶ elements the kept fraction is `1 − p` within
/// 0.002 (the standard deviation of the fraction is `√(p(1 − p)/n)` ≤ 0.0005, so this is 4σ),
/// kept elements are exactly `x / (1 − p)` and dropped ones exactly 0.
#[test]
fn dropout_train_keeps_one_minus_p_and_scales() {
    let n = 1_000_000usize;
    let x = ArrayD::from_shape_vec(
        IxDyn(&[1000, 1000]),
        (0..n).map(|i| 1.0 + (i % 7) as f32).collect(),
    )
    .unwrap();
    for (p, observed) in [(0.5, 0.500_146), (0.1, 0.900_088), (0.8, 0.199_933)] {
        let drop = Dropout::with_p(p).unwrap();
        let y = drop.forward_train(x.view(), "layer.dropout", &mut Seed::new(7)).unwrap();
        assert_eq!(y.shape(), x.shape());
        let scale = (1.0 / (1.0 - p)) as f32;
        let mut kept = 0usize;
        for (&a, &b) in x.iter().zip(y.iter()) {
            if b != 0.0 {
                assert_eq!(b, a * scale);
                kept += 1;
            }
        }
        let frac = kept as f64 / n as f64;
        assert!((frac - (1.0 - p)).abs() < 0.002, "p = {p}: kept {frac}");
        // Seed is deterministic: pin the observed fraction.
        assert_eq!(frac, observed, "p = {p}");
    }
}

#[test]
fn dropout_masks_follow_the_path_and_the_generator() {
    let x = ArrayD::<f32>::ones(IxDyn(&[64, 64]));
    let drop = Dropout::new();
    let g = Seed::new(1);
    let a = drop.forward_train(x.view(), "drop.step0", &mut g.clone()).unwrap();
    let b = drop.forward_train(x.view(), "drop.step0", &mut g.clone()).unwrap();
    let c = drop.forward_train(x.view(), "drop.step1", &mut g.clone()).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
    // A sequential generator advances: two calls give two masks.
    let mut t = TorchGenerator::new(0);
    let first = drop.forward_train(x.view(), "", &mut t).unwrap();
    let second = drop.forward_train(x.view(), "", &mut t).unwrap();
    assert_ne!(first, second);
    // Evaluation mode never changes anything, whatever p.
    assert_eq!(Dropout::with_p(0.9).unwrap().forward(x.view()).unwrap(), x);
}

#[test]
fn dropout_rejects_p_outside_0_1() {
    for (p, msg) in [
        (-0.1, "Dropout: p must be in [0, 1], got -0.1"),
        (1.5, "Dropout: p must be in [0, 1], got 1.5"),
        (f64::NAN, "Dropout: p must be in [0, 1], got NaN"),
    ] {
        assert_eq!(Dropout::with_p(p).unwrap_err().to_string(), msg);
    }
    assert_eq!(Dropout::with_p(0.0).unwrap().p(), 0.0);
    assert_eq!(Dropout::with_p(1.0).unwrap().p(), 1.0);
    let x = ArrayD::<f32>::ones(IxDyn(&[3]));
    let zero = Dropout::with_p(1.0).unwrap().forward_train(x.view(), "d", &mut Seed::new(0));
    assert_eq!(zero.unwrap(), ArrayD::<f32>::zeros(IxDyn(&[3])));
}

fn err(m: &dyn Forward, shape: &[usize]) -> String {
    m.forward(ArrayD::<f32>::zeros(IxDyn(shape)).view()).unwrap_err().to_string()
}

#[test]
fn pooling_input_errors_are_exact() {
    let rank = "must have 3 or 4 dimensions ([C, H, W] or [N, C, H, W])";
    assert_eq!(
        err(&MaxPool2d::<2>::new(), &[4, 4]),
        format!("MaxPool2d: input of shape [4, 4] {rank}")
    );
    assert_eq!(
        err(&AvgPool2d::<2>::new(), &[1, 1, 1, 4, 4]),
        format!("AvgPool2d: input of shape [1, 1, 1, 4, 4] {rank}")
    );
    assert_eq!(
        err(&AdaptiveAvgPool2d::<2, 2>, &[8]),
        format!("AdaptiveAvgPool2d: input of shape [8] {rank}")
    );
    assert_eq!(
        err(&MaxPool2d::<2>::new(), &[1, 3, 0, 4]),
        "MaxPool2d: input of shape [1, 3, 0, 4] must have non-zero channel, height and width sizes"
    );
    // Smaller than the kernel: the dilated extent is 2·(3 − 1) + 1 = 5, the padded width 4 + 2.
    assert_eq!(
        err(&MaxPool2d::<3, 1, 0, 2>::new(), &[2, 3, 5, 4]),
        "MaxPool2d: input of shape [2, 3, 5, 4] is too small: padded width 4 is less than the kernel's extent 5"
    );
    assert_eq!(
        err(&AvgPool2d::<4>::new(), &[1, 2, 9, 3]),
        "AvgPool2d: input of shape [1, 2, 9, 3] is too small: padded width 3 is less than the kernel's extent 4"
    );
}

#[test]
fn pooling_accepts_unbatched_and_empty_batches() {
    let x = ArrayD::from_shape_vec(
        IxDyn(&[2, 3, 7, 8]),
        (0..336).map(|i| (i as f32 * 0.7).cos()).collect(),
    )
    .unwrap();
    let layers: [Box<dyn ForwardModule>; 3] = [
        Box::new(MaxPool2d::<3, 2, 1>::new()),
        Box::new(AvgPool2d::<3, 2, 1>::new().with_count_include_pad(false)),
        Box::new(AdaptiveAvgPool2d::<3, 2>),
    ];
    for m in &layers {
        let batched = m.forward(x.view()).unwrap();
        for n in 0..2 {
            let one = m.forward(x.index_axis(Axis(0), n)).unwrap();
            assert_eq!(one, batched.index_axis(Axis(0), n), "{}", m.kind());
        }
        let empty = m.forward(ArrayD::<f32>::zeros(IxDyn(&[0, 3, 7, 8])).view()).unwrap();
        assert_eq!(&empty.shape()[..2], &[0, 3]);
    }
}

#[test]
fn flatten_input_errors_are_exact() {
    assert_eq!(
        err(&Flatten::new(), &[7]),
        "Flatten: input of shape [7] must have at least 2 dimensions for start_dim = 1, end_dim = -1"
    );
    assert_eq!(
        err(&Flatten::with_dims(2, 1), &[2, 3, 4]),
        "Flatten: start_dim = 2 (axis 2) must not come after end_dim = 1 (axis 1) for input of shape [2, 3, 4]"
    );
    assert_eq!(
        Flatten::with_dims(0, -1).forward(ArrayD::zeros(IxDyn(&[])).view()).unwrap().shape(),
        &[1]
    );
}

#[test]
fn a_forum_style_stack_runs_and_names_failures_by_index() {
    let net = Sequential::new()
        .push(ReLU)
        .push(MaxPool2d::<2>::new())
        .push(Flatten::new())
        .push(Dropout::new())
        .push(Identity);
    let y = net.forward(ArrayD::<f32>::ones(IxDyn(&[2, 3, 4, 4])).view()).unwrap();
    assert_eq!(y.shape(), &[2, 12]);
    assert!(y.iter().all(|&v| v == 1.0));
    assert_eq!(
        net.forward(ArrayD::<f32>::ones(IxDyn(&[3, 1, 1])).view()).unwrap_err().to_string(),
        "1: MaxPool2d: input of shape [3, 1, 1] is too small: padded height 1 is less than the kernel's extent 2"
    );
    let names: Vec<String> =
        net.named_modules().into_iter().map(|(n, m)| format!("{n}:{}", m.kind())).collect();
    assert_eq!(
        names,
        [":Sequential", "0:ReLU", "1:MaxPool2d", "2:Flatten", "3:Dropout", "4:Identity"]
    );
    assert!(net.named_parameters().is_empty());
}

#[test]
fn activations_keep_any_shape_and_layout() {
    let x =
        ArrayD::from_shape_vec(IxDyn(&[2, 3, 4]), (0..24).map(|i| i as f32 * 0.5 - 6.0).collect())
            .unwrap();
    let t = x.view().reversed_axes();
    let layers: [Box<dyn ForwardModule>; 6] = [
        Box::new(ReLU),
        Box::new(LeakyReLU::new()),
        Box::new(GELU::new()),
        Box::new(SiLU),
        Box::new(Tanh),
        Box::new(Sigmoid),
    ];
    for m in &layers {
        let whole = m.forward(x.view()).unwrap();
        let transposed = m.forward(t.view()).unwrap();
        assert_eq!(transposed.shape(), &[4, 3, 2]);
        assert_eq!(transposed, whole.reversed_axes(), "{}", m.kind());
    }
}
