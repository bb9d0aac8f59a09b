//! Behaviour of the fan-scaled and plain schemes: statistics against their formulas, exact
//! error messages, defaults and no-ops.

use init::{FanAxes, FanMode, Init, Nonlinearity, Param, ScalingDistribution, Seed};

/// Linear-, Conv1d- and Conv2d-shaped weights of about 200k-300k elements each, so a
/// sample standard deviation is within 0.2% of the truth with overwhelming probability;
/// the tests allow 1%.
const SHAPES: [&[usize]; 3] = [&[512, 512], &[256, 128, 9], &[128, 64, 5, 5]];
const TOLERANCE: f64 = 0.01;

fn fans(shape: &[usize]) -> (f64, f64) {
    let rf: usize = shape[2..].iter().product();
    ((shape[1] * rf) as f64, (shape[0] * rf) as f64)
}

fn sample_std(p: &Param) -> f64 {
    let n = p.numel() as f64;
    let xs = p.as_slice();
    let mean = xs.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
    (xs.iter().map(|&x| (f64::from(x) - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}

fn check_std(init: &Init, expected: impl Fn(f64, f64) -> f64) {
    for (k, shape) in SHAPES.iter().enumerate() {
        let mut p = Param::zeros(shape);
        init.apply(p.at("layer.weight"), &mut Seed::new(100 + k as u64)).unwrap();
        let (fan_in, fan_out) = fans(shape);
        let want = expected(fan_in, fan_out);
        let got = sample_std(&p);
        assert!(
            (got / want - 1.0).abs() < TOLERANCE,
            "{init} on {shape:?}: std {got} vs formula {want}"
        );
    }
}

#[test]
fn xavier_std_matches_formula() {
    for gain in [1.0, 2.0] {
        let f = move |i: f64, o: f64| gain * (2.0 / (i + o)).sqrt();
        check_std(&Init::XavierUniform { gain, axes: FanAxes::TORCH }, f);
        check_std(&Init::XavierNormal { gain, axes: FanAxes::TORCH }, f);
    }
}

#[test]
fn kaiming_std_matches_formula() {
    let relu = 2f64.sqrt();
    let cases = [
        (0.0, FanMode::FanIn, Nonlinearity::Relu, relu, true),
        (0.0, FanMode::FanOut, Nonlinearity::Relu, relu, false),
        (0.2, FanMode::FanIn, Nonlinearity::LeakyRelu, (2.0f64 / 1.04).sqrt(), true),
        (0.0, FanMode::FanOut, Nonlinearity::Tanh, 5.0 / 3.0, false),
    ];
    for (a, mode, nonlinearity, gain, fan_in_mode) in cases {
        let f = move |i: f64, o: f64| gain / if fan_in_mode { i } else { o }.sqrt();
        let axes = FanAxes::TORCH;
        check_std(&Init::KaimingUniform { a, mode, nonlinearity, axes }, f);
        check_std(&Init::KaimingNormal { a, mode, nonlinearity, axes }, f);
    }
}

#[test]
fn lecun_and_variance_scaling_std_match_formula() {
    let axes = FanAxes::TORCH;
    check_std(&Init::LecunUniform { axes }, |i, _| (1.0 / i).sqrt());
    check_std(&Init::LecunNormal { axes }, |i, _| (1.0 / i).sqrt());
    for distribution in [
        ScalingDistribution::TruncatedNormal,
        ScalingDistribution::Normal,
        ScalingDistribution::Uniform,
    ] {
        for (mode, n) in [
            (FanMode::FanIn, (|i, _| i) as fn(f64, f64) -> f64),
            (FanMode::FanOut, |_, o| o),
            (FanMode::FanAvg, |i, o| (i + o) / 2.0),
        ] {
            let init = Init::VarianceScaling { scale: 2.0, mode, distribution, axes };
            check_std(&init, move |i, o| (2.0 / n(i, o)).sqrt());
        }
    }
}

#[test]
fn keras_axes_give_the_same_fans_as_the_transposed_torch_layout() {
    // A Keras kernel (k, k, in, out) with KERAS axes must be scaled like (out, in, k, k).
    let init = Init::VarianceScaling {
        scale: 1.0,
        mode: FanMode::FanIn,
        distribution: ScalingDistribution::Uniform,
        axes: FanAxes::KERAS,
    };
    let mut k = Param::zeros(&[3, 3, 64, 128]);
    init.apply(k.at("conv.kernel"), &mut Seed::new(5)).unwrap();
    let limit = (3.0f64 / (64.0 * 9.0)).sqrt();
    let max = k.as_slice().iter().fold(0.0f64, |m, &x| m.max(f64::from(x).abs()));
    assert!(max <= limit && max > 0.99 * limit, "max {max} limit {limit}");
}

#[test]
fn uniform_bounds_are_pytorchs_exact_double_formula() {
    // kaiming_uniform(a = sqrt(5)) on fan_in 9: PyTorch's bound is 0.33333333333333326.
    let mut w = Param::zeros(&[3, 1, 3, 3]);
    let mut rec = Recorder(Vec::new());
    init::kaiming_uniform().a(5f64.sqrt()).fill(w.at("w"), &mut rec).unwrap();
    assert_eq!(
        rec.0,
        vec![init::Dist::uniform(-0.33333333333333326, 0.33333333333333326).unwrap()]
    );
}

/// A generator that records what it was asked for.
struct Recorder(Vec<init::Dist>);

impl init::Generator for Recorder {
    fn fill(&mut self, _path: &str, dist: init::Dist, out: &mut [f32]) {
        self.0.push(dist);
        out.fill(0.0);
    }
    fn fill_bits(&mut self, _path: &str, _offset: u64, out: &mut [u32]) {
        out.fill(0);
    }
}

#[test]
fn truncated_variance_scaling_bounds_are_two_sigma() {
    let mut w = Param::zeros(&[10, 25]);
    let mut rec = Recorder(Vec::new());
    init::lecun_normal().fill(w.at("w"), &mut rec).unwrap();
    let std = 0.2 / 0.879_625_661_034_239_8;
    assert_eq!(rec.0, vec![init::Dist::trunc_normal(0.0, std, -2.0 * std, 2.0 * std).unwrap()]);
}

#[test]
fn error_messages_name_the_path_and_the_rule() {
    let mut rng = Seed::new(0);
    let mut bias = Param::zeros(&[8]);
    let mut w = Param::zeros(&[8, 4]);
    let cases: Vec<(init::InitError, &str)> = vec![
        (
            init::kaiming_uniform()
                .nonlinearity(Nonlinearity::Relu)
                .fill(bias.at("fc.bias"), &mut rng)
                .unwrap_err(),
            "fc.bias: kaiming_uniform cannot compute fan_in and fan_out for a tensor with fewer than 2 dimensions, got shape [8]",
        ),
        (
            init::normal().std(-1.0).fill(w.at("fc.weight"), &mut rng).unwrap_err(),
            "fc.weight: normal: argument `std` must be >= 0, got -1.0",
        ),
        (
            init::trunc_normal().a(2.0).b(-2.0).fill(w.at("fc.weight"), &mut rng).unwrap_err(),
            "fc.weight: trunc_normal: needs a <= b, got a = 2.0 > b = -2.0",
        ),
        (
            init::uniform()
                .a(f64::NEG_INFINITY)
                .b(0.0)
                .fill(w.at("fc.weight"), &mut rng)
                .unwrap_err(),
            "fc.weight: uniform: argument `a` must be finite, got -inf",
        ),
        (
            init::uniform().a(-1e39).b(0.0).fill(w.at("fc.weight"), &mut rng).unwrap_err(),
            "fc.weight: uniform: argument `a` must be within the range of f32, got -1e39",
        ),
        (
            init::xavier_uniform().gain(f64::NAN).fill(w.at("fc.weight"), &mut rng).unwrap_err(),
            "fc.weight: xavier_uniform: argument `gain` must be finite, got NaN",
        ),
        (
            init::variance_scaling()
                .scale(0.0)
                .mode(FanMode::FanIn)
                .distribution(ScalingDistribution::Normal)
                .fill(w.at("fc.weight"), &mut rng)
                .unwrap_err(),
            "fc.weight: variance_scaling: argument `scale` must be > 0, got 0.0",
        ),
        (
            init::variance_scaling()
                .distribution(ScalingDistribution::Normal)
                .axes(FanAxes { in_axis: 0, out_axis: -2 })
                .fill(w.at("fc.weight"), &mut rng)
                .unwrap_err(),
            "fc.weight: variance_scaling: axis -2 is out of range or repeated for shape [8, 4]",
        ),
        (
            "tanhh".parse::<Nonlinearity>().unwrap_err(),
            "unknown nonlinearity `tanhh`; expected one of linear, conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d, sigmoid, tanh, relu, leaky_relu, selu",
        ),
        (
            "fan_mid".parse::<FanMode>().unwrap_err(),
            "variance_scaling does not support mode `fan_mid`; expected one of \"fan_in\", \"fan_out\", \"fan_avg\"",
        ),
        (
            "gaussian".parse::<ScalingDistribution>().unwrap_err(),
            "unknown distribution `gaussian`; expected one of truncated_normal, normal, untruncated_normal, uniform",
        ),
    ];
    for (err, text) in cases {
        assert_eq!(err.to_string(), text);
    }
    // Nothing was written by any failed call.
    assert!(w.as_slice().iter().all(|&x| x == 0.0));
    assert!(bias.as_slice().iter().all(|&x| x == 0.0));
}

#[test]
fn zero_element_parameters_are_a_no_op_after_validation() {
    let mut rng = Seed::new(0);
    for shape in [&[0usize, 3][..], &[3, 0], &[0, 0, 3, 3]] {
        let mut p = Param::zeros(shape);
        for init in [
            Init::XavierUniform { gain: 1.0, axes: FanAxes::TORCH },
            Init::KaimingNormal {
                a: 0.0,
                mode: FanMode::FanOut,
                nonlinearity: Nonlinearity::Relu,
                axes: FanAxes::TORCH,
            },
            Init::Normal { mean: 0.0, std: 1.0 },
            Init::Orthogonal { gain: 1.0 },
        ] {
            init.apply(p.at("empty"), &mut rng).unwrap();
        }
        assert_eq!(p.shape(), shape);
    }
    // The rank is still checked on an empty tensor.
    let mut empty_bias = Param::zeros(&[0]);
    assert!(
        Init::XavierNormal { gain: 1.0, axes: FanAxes::TORCH }
            .apply(empty_bias.at("b"), &mut rng)
            .is_err()
    );
}

#[test]
fn degenerate_arguments_give_constants() {
    let mut rng = Seed::new(0);
    let mut p = Param::zeros(&[5]);
    init::uniform().a(0.25).b(0.25).fill(p.at("p"), &mut rng).unwrap();
    assert_eq!(p.as_slice(), &[0.25; 5]);
    init::normal().mean(3.0).std(0.0).fill(p.at("p"), &mut rng).unwrap();
    assert_eq!(p.as_slice(), &[3.0; 5]);
    init::trunc_normal().mean(3.0).std(0.0).a(-1.0).b(1.0).fill(p.at("p"), &mut rng).unwrap();
    assert_eq!(p.as_slice(), &[1.0; 5]);
}

#[test]
fn requires_grad_survives_every_scheme() {
    let mut rng = Seed::new(3);
    let mut p = Param::zeros(&[6, 6]);
    for init in [
        Init::Zeros,
        Init::Eye,
        Init::Orthogonal { gain: 1.0 },
        Init::Normal { mean: 0.0, std: 1.0 },
    ] {
        init.apply(p.at("w"), &mut rng).unwrap();
        assert!(p.requires_grad(), "{init}");
    }
    p.freeze();
    Init::Ones.apply(p.at("w"), &mut rng).unwrap();
    assert!(!p.requires_grad());
}
