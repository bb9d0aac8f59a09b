//! The public API with hostile arguments: empty, huge, NaN, infinite, negative, mismatched.
//!
//! The library promises a `Result` for every input, never a panic or an abort. Each case runs
//! in a child process (this test binary, re-run with `--exact hostile_case_child` and the
//! case's name in `INIT_HOSTILE_CASE`), so a panic (exit code 101) or an abort (a signal: a
//! failed allocation, a stack overflow) is reported under the case's name and the other cases
//! still run. A case is one line of `CASES`: its name and a function that asserts what must
//! happen (an `Err` with its exact message, or `Ok` for inputs that are legitimately accepted).

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use init::{
    Buffer, Conv2d, Dist, Embedding, ErrorKind, FanAxes, FanMode, Forward, Generator, Init,
    InitError, Linear, ModuleExt, Nonlinearity, Param, ScalingDistribution, Seed, StateDict,
    Tensor, TorchGenerator, TransformerEncoderLayer, Values,
};
use ndarray::{ArrayD, IxDyn};

const CASE_VAR: &str = "INIT_HOSTILE_CASE";
const MAX: f64 = f32::MAX as f64;
/// The bytes of `[1 << 45]` f32s: 128 TiB, more than an x86-64 process can map.
const TIB_128: &str =
    "shape [35184372088832] needs 140737488355328 bytes, which could not be allocated";

type Case = (&'static str, fn());

#[rustfmt::skip] // One line per case.
const CASES: &[Case] = &[
    // Param and Buffer constructors.
    ("param_try_zeros_128_tib", || err(Param::try_zeros(&[1 << 45]), TIB_128)),
    ("param_try_zeros_4_tib", param_try_zeros_4_tib),
    ("param_try_zeros_overflow", || err(Param::try_zeros(&[usize::MAX, 2]), &too_large("[18446744073709551615, 2]"))),
    ("param_try_zeros_zero_len_overflow", || err(Param::try_zeros(&[0, usize::MAX]), &too_large("[0, 18446744073709551615]"))),
    ("param_try_zeros_empty_huge", || assert_eq!(Param::try_zeros(&[1 << 40, 0]).unwrap().numel(), 0)),
    ("param_zeros_panics_not_aborts", param_zeros_panics_not_aborts),
    ("buffer_try_f32_zeros_128_tib", || err(Buffer::try_f32_zeros(&[1 << 45]), TIB_128)),
    ("buffer_try_f32_full_128_tib", || err(Buffer::try_f32_full(&[1 << 45], 1.0), TIB_128)),
    ("buffer_try_f32_zeros_overflow", || err(Buffer::try_f32_zeros(&[usize::MAX, 2]), &too_large("[18446744073709551615, 2]"))),
    ("copy_from_mismatch", copy_from_mismatch),
    // Layers with dimensions no memory holds.
    ("linear_new_128_tib", || err(Linear::<{ 1 << 44 }, 2>::new(&mut Seed::new(0)), "shape [2, 17592186044416] needs 140737488355328 bytes, which could not be allocated")),
    ("embedding_new_128_tib", || err(Embedding::<{ 1 << 45 }, 1>::new(&mut Seed::new(0)), "shape [35184372088832, 1] needs 140737488355328 bytes, which could not be allocated")),
    ("transformer_new_128_tib", || err(TransformerEncoderLayer::<1, 1, { 1 << 45 }>::new(&mut Seed::new(0)), TIB_128)),
    ("linear_forward_mismatch", linear_forward_mismatch),
    ("conv2d_forward_empty_and_small", conv2d_forward_empty_and_small),
    // Values.
    ("values_usize_max_empty_lists", || err(Values::new(vec![usize::MAX, 0], vec![]), "values: shape [18446744073709551615, 0] holds 18446744073709551615 empty lists, more than the 64 accepted")),
    ("values_rank_100000", || err(Values::new(vec![1; 100_000], vec![1.0]), "values: 100000 dimensions, more than the 64 accepted")),
    ("values_product_overflow", || err(Values::new(vec![usize::MAX, 2], vec![1.0; 2]), "values: 2 numbers cannot have shape [18446744073709551615, 2]")),
    ("values_nan", || err(Values::new(vec![2], vec![1.0, f32::NAN]), "values: argument `values` must be finite, got NaN")),
    ("values_display_at_the_limit", values_display_at_the_limit),
    ("values_broadcast_deep_param", values_broadcast_deep_param),
    ("values_broadcast_mismatch", || err(Values::new(vec![2], vec![1.0; 2]).unwrap().fill(Param::zeros(&[4, 3]).at("w")), "w: values of shape [2] cannot be broadcast to the parameter's shape [4, 3]")),
    // Dist, for both generators.
    ("dist_trunc_a_above_b", || err(Dist::trunc_normal(0.0, 1.0, 2.0, 1.0), "Dist::trunc_normal: needs a <= b, got a = 2.0 > b = 1.0")),
    ("dist_trunc_nan_bound", || err(Dist::trunc_normal(0.0, 1.0, -1.0, f64::NAN), "Dist::trunc_normal: argument `b` must be finite, got NaN")),
    ("dist_uniform_infinite", || err(Dist::uniform(0.0, f64::INFINITY), "Dist::uniform: argument `high` must be finite, got inf")),
    ("dist_normal_negative_std", || err(Dist::normal(0.0, -0.5), "Dist::normal: argument `std` must be >= 0, got -0.5")),
    ("dist_normal_overflow", || err(Dist::normal(0.0, 1e38), "Dist::normal: std = 1e38 is larger than 3.4028234663852886e37: values would overflow f32")),
    ("dist_valid_edges_both_generators", dist_valid_edges_both_generators),
    ("trunc_normal_a_above_b_torch", || err(init::trunc_normal().a(2.0).b(-2.0).fill(Param::zeros(&[8]).at("w"), &mut TorchGenerator::new(0)), "w: trunc_normal: needs a <= b, got a = 2.0 > b = -2.0")),
    // Arguments whose computed std or bound overflows f32.
    ("normal_huge_std", || err(init::normal().std(1e300).fill(Param::zeros(&[4]).at("fc.bias"), &mut Seed::new(0)), "fc.bias: normal: std = 1e300 is larger than 3.4028234663852886e37: values would overflow f32")),
    ("normal_huge_mean_and_std", || err(init::normal().mean(3e38).std(1e37).fill(Param::zeros(&[4]).at("b"), &mut Seed::new(0)), "b: normal: std = 1e37 is larger than 4.028234663852885e36: values would overflow f32")),
    ("uniform_width_overflows", || err(init::uniform().a(-3e38).b(3e38).fill(Param::zeros(&[4]).at("b"), &mut TorchGenerator::new(0)), "b: uniform: b - a = 6e38 is larger than 3.4028234663852886e38: values would overflow f32")),
    ("xavier_normal_huge_gain", || err(init::xavier_normal().gain(1e300).fill(Param::zeros(&[4, 4]).at("fc.weight"), &mut Seed::new(0)), "fc.weight: xavier_normal: std = gain * sqrt(2 / (fan_in + fan_out)) = 5e299 is larger than 3.4028234663852886e37: values would overflow f32")),
    ("xavier_uniform_huge_gain", || err(init::xavier_uniform().gain(1e300).fill(Param::zeros(&[4, 4]).at("fc.weight"), &mut Seed::new(0)), &format!("fc.weight: xavier_uniform: bound = gain * sqrt(6 / (fan_in + fan_out)) = {:?} is larger than {:?}: values would overflow f32", 3f64.sqrt() * 5e299, MAX / 2.0))),
    ("xavier_negative_gain", || err(init::xavier_uniform().gain(-1.0).fill(Param::zeros(&[4, 4]).at("w"), &mut Seed::new(0)), "w: xavier_uniform: argument `gain` must be >= 0, got -1.0")),
    ("kaiming_huge_slope_is_zero_gain", kaiming_huge_slope_is_zero_gain),
    ("variance_scaling_huge_scale", || err(init::variance_scaling().scale(4e300).mode(FanMode::FanIn).distribution(ScalingDistribution::Normal).axes(FanAxes::TORCH).fill(Param::zeros(&[4, 4]).at("k"), &mut Seed::new(0)), &format!("k: variance_scaling: std = sqrt(scale / fan) = {:?} is larger than {:?}: values would overflow f32", 1e300f64.sqrt(), MAX / 10.0))),
    ("sparse_huge_std", || err(init::sparse(0.5).std(1e38).fill(Param::zeros(&[4, 4]).at("w"), &mut Seed::new(0)), "w: sparse: std = 1e38 is larger than 3.4028234663852886e37: values would overflow f32")),
    ("orthogonal_huge_gain", || err(init::orthogonal().gain(3e38).fill(Param::zeros(&[3, 3]).at("w"), &mut Seed::new(0)), "w: orthogonal: |gain| = 3e38 is larger than 1.7014117331926443e38: values would overflow f32")),
    ("delta_orthogonal_huge_gain", || err(init::delta_orthogonal().gain(-3e38).fill(Param::zeros(&[4, 2, 3]).at("w"), &mut Seed::new(0)), "w: delta_orthogonal: |gain| = 3e38 is larger than 1.7014117331926443e38: values would overflow f32")),
    ("trunc_normal_huge_std", || err(init::trunc_normal().std(1e39).a(-1.0).b(1.0).fill(Param::zeros(&[4]).at("w"), &mut Seed::new(0)), "w: trunc_normal: argument `std` must be within the range of f32, got 1e39")),
    // Every scheme on empty shapes, and every numeric argument at its extremes.
    ("every_scheme_on_empty_and_0d_shapes", every_scheme_on_empty_and_0d_shapes),
    ("every_argument_at_its_extremes", every_argument_at_its_extremes),
    ("fill_slice_out_of_bounds", || err(Init::Zeros.fill_slice("w", &[4], usize::MAX, &mut [0.0; 2], &Seed::new(0)), "w: slice 18446744073709551615..18446744073709551615 is out of bounds for a parameter of 4 elements")),
    ("fill_slice_unaddressable_shape", || err(Init::Zeros.fill_slice("w", &[usize::MAX, 2], 0, &mut [], &Seed::new(0)), &format!("w: {}", too_large("[18446744073709551615, 2]")))),
    ("seed_offsets_wrap", seed_offsets_wrap),
    // Module trees: mismatched values and state dicts.
    ("set_parameter_mismatch", set_parameter_mismatch),
    ("load_state_dict_mismatch_changes_nothing", load_state_dict_mismatch_changes_nothing),
];

/// A child still running after this long is killed and reported as hung (each case takes
/// well under a second in a debug build).
const HANG: Duration = Duration::from_secs(60);

#[test]
fn hostile_api() {
    let exe = std::env::current_exe().unwrap();
    let failures: Vec<String> = CASES.iter().filter_map(|(name, _)| run_case(&exe, name)).collect();
    let n = failures.len();
    assert!(failures.is_empty(), "{n} of {} cases failed:\n{}", CASES.len(), failures.join("\n"));
}

/// Run case `name` in a child process of `exe`: `None` when it passed, else what went wrong.
fn run_case(exe: &Path, name: &str) -> Option<String> {
    let mut child = Command::new(exe)
        .args(["--exact", "hostile_case_child", "--nocapture", "--test-threads=1"])
        .env(CASE_VAR, name)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Drained while the child runs, so a full pipe cannot stall it.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if start.elapsed() > HANG {
            child.kill().unwrap();
            child.wait().unwrap();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let (stdout, stderr) = (stdout.join().unwrap(), stderr.join().unwrap());
    let Some(status) = status else {
        return Some(format!("{name}: still running after {HANG:?}, killed"));
    };
    // The marker proves the case ran: a child that ran nothing also exits 0.
    if status.success() && stdout.contains(&format!("hostile case `{name}` passed")) {
        return None;
    }
    // The panic message comes first; the backtrace after it is left out.
    let head: Vec<&str> =
        stderr.lines().take_while(|l| !l.starts_with("stack backtrace")).collect();
    Some(format!("{name}: {status}\n  {}", head.join("\n  ")))
}

/// Runs the case named in `INIT_HOSTILE_CASE`; nothing when it is not set (a plain test run).
#[test]
fn hostile_case_child() {
    let Ok(name) = std::env::var(CASE_VAR) else { return };
    let (_, case) =
        CASES.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("no case `{name}`"));
    case();
    println!("hostile case `{name}` passed");
}

#[test]
fn case_names_are_unique() {
    let mut names: Vec<&str> = CASES.iter().map(|(n, _)| *n).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), CASES.len());
}

/// `r` is an error whose message is exactly `msg`.
fn err<T>(r: Result<T, InitError>, msg: &str) {
    match r {
        Ok(_) => panic!("expected the error {msg:?}, got Ok"),
        Err(e) => assert_eq!(e.to_string(), msg),
    }
}

fn too_large(shape: &str) -> String {
    format!("shape {shape} has more elements than can be addressed")
}

/// Both generators, so that what holds for one is checked for the other.
fn generators() -> [Box<dyn Generator>; 2] {
    [Box::new(Seed::new(3)), Box::new(TorchGenerator::new(3))]
}

fn param_try_zeros_4_tib() {
    // Under Linux overcommit 4 TiB may be granted lazily (no page is touched) or refused.
    match Param::try_zeros(&[1 << 40]) {
        Ok(p) => assert_eq!(p.numel(), 1 << 40),
        Err(e) => assert_eq!(
            e.to_string(),
            "shape [1099511627776] needs 4398046511104 bytes, which could not be allocated"
        ),
    }
}

fn param_zeros_panics_not_aborts() {
    let panic = std::panic::catch_unwind(|| Param::zeros(&[1 << 45])).unwrap_err();
    assert_eq!(panic.downcast_ref::<String>().unwrap(), &format!("Param::zeros: {TIB_128}"));
}

fn copy_from_mismatch() {
    let mut p = Param::zeros(&[2, 3]);
    let src = ArrayD::<f32>::ones(IxDyn(&[3, 2]));
    err(
        p.copy_from(&src.view()),
        "shape mismatch: the parameter has shape [2, 3], the source has shape [3, 2]",
    );
    assert_eq!(p.as_slice(), &[0.0; 6]);
}

fn linear_forward_mismatch() {
    let fc = Linear::<3, 2>::new(&mut Seed::new(0)).unwrap();
    assert!(fc.forward(ArrayD::zeros(IxDyn(&[4, 5])).view()).is_err());
    assert_eq!(fc.forward(ArrayD::zeros(IxDyn(&[0, 3])).view()).unwrap().shape(), &[0, 2]);
}

fn conv2d_forward_empty_and_small() {
    let conv = Conv2d::<1, 2, 3>::new(&mut Seed::new(0)).unwrap();
    assert_eq!(
        conv.forward(ArrayD::zeros(IxDyn(&[0, 1, 5, 5])).view()).unwrap().shape(),
        &[0, 2, 3, 3]
    );
    assert!(conv.forward(ArrayD::zeros(IxDyn(&[1, 1, 2, 2])).view()).is_err());
}

fn values_display_at_the_limit() {
    // 64 empty lists, the most accepted: written out in full.
    let row = format!("[{}]", ["[]"; 8].join(", "));
    let want = format!("values = [{}]", vec![row; 8].join(", "));
    assert_eq!(Values::new(vec![8, 8, 0], vec![]).unwrap().to_string(), want);
}

fn values_broadcast_deep_param() {
    // 100 000 leading dimensions of 1 (once a stack overflow: one recursion per dimension).
    let mut shape = vec![1; 100_000];
    shape.extend([2, 3]);
    let mut p = Param::zeros(&shape);
    Values::new(vec![2, 1], vec![1.0, 2.0]).unwrap().fill(p.at("w")).unwrap();
    assert_eq!(p.as_slice(), &[1.0, 1.0, 1.0, 2.0, 2.0, 2.0]);
}

fn dist_valid_edges_both_generators() {
    let dists = [
        Dist::uniform(-MAX / 2.0, MAX / 2.0).unwrap(),
        Dist::uniform(1.0, 1.0).unwrap(),
        Dist::normal(0.0, MAX / 10.0).unwrap(),
        Dist::normal(-MAX, 0.0).unwrap(),
        Dist::trunc_normal(0.0, 1.0, 30.0, 31.0).unwrap(),
        Dist::trunc_normal(0.0, 1e-30, -1.0, 1.0).unwrap(),
        Dist::trunc_normal(MAX, MAX, -MAX / 2.0, MAX / 2.0).unwrap(),
    ];
    for mut g in generators() {
        for d in dists {
            for n in [1, 15, 16, 100] {
                let mut out = vec![0.0f32; n];
                g.fill("w", d, &mut out);
                assert!(out.iter().all(|x| x.is_finite()), "{d:?}: {out:?}");
            }
        }
    }
}

fn kaiming_huge_slope_is_zero_gain() {
    // 1 + a² overflows to inf, so the gain is 0: every value is 0, none is NaN.
    let mut w = Param::zeros(&[3, 4]);
    init::kaiming_normal().a(1e300).fill(w.at("w"), &mut Seed::new(0)).unwrap();
    assert_eq!(w.as_slice(), &[0.0; 12]);
    err(
        init::kaiming_uniform().a(f64::NAN).fill(w.at("w"), &mut Seed::new(0)),
        "w: kaiming_uniform: argument `a` must be finite, got NaN",
    );
}

/// Every scheme, its numeric arguments (one at a time) `x`; `x = 0.5` makes each valid.
fn every_scheme(x: f64) -> Vec<Init> {
    let axes = FanAxes::TORCH;
    let (fan_in, relu, leaky) = (FanMode::FanIn, Nonlinearity::Relu, Nonlinearity::LeakyRelu);
    vec![
        Init::Uniform { a: -x, b: x },
        Init::Uniform { a: x, b: 1.0 },
        Init::Normal { mean: x, std: 1.0 },
        Init::Normal { mean: 0.0, std: x },
        Init::TruncNormal { mean: x, std: 1.0, a: -2.0, b: 2.0 },
        Init::TruncNormal { mean: 0.0, std: x, a: -2.0, b: 2.0 },
        Init::TruncNormal { mean: 0.0, std: 1.0, a: -x, b: x },
        Init::Constant { value: x },
        Init::Ones,
        Init::Zeros,
        Init::Eye,
        Init::Dirac { groups: (2.0 * x.abs()).min(1e19) as usize },
        Init::XavierUniform { gain: x, axes },
        Init::XavierNormal { gain: x, axes },
        Init::KaimingUniform { a: x, mode: fan_in, nonlinearity: leaky, axes },
        Init::KaimingNormal { a: x, mode: FanMode::FanOut, nonlinearity: relu, axes },
        Init::Orthogonal { gain: x },
        Init::Sparse { sparsity: x, std: 0.01 },
        Init::Sparse { sparsity: 0.5, std: x },
        Init::LecunUniform { axes },
        Init::LecunNormal { axes },
        Init::VarianceScaling {
            scale: x,
            mode: FanMode::FanAvg,
            distribution: ScalingDistribution::TruncatedNormal,
            axes,
        },
        Init::VarianceScaling {
            scale: x,
            mode: fan_in,
            distribution: ScalingDistribution::Uniform,
            axes,
        },
        Init::VarianceScaling {
            scale: x,
            mode: fan_in,
            distribution: ScalingDistribution::Normal,
            axes,
        },
        Init::DeltaOrthogonal { gain: x },
        Init::Values(Values::scalar(0.5).unwrap()),
    ]
}

/// Apply `init`: an error is fine (its message was pinned elsewhere), an `Ok` must leave the
/// shape as it was and only finite values.
fn apply_checked(init: &Init, shape: &[usize], g: &mut dyn Generator) -> Result<(), InitError> {
    let mut p = Param::zeros(shape);
    init.apply(p.at("w"), g)?;
    assert_eq!(p.shape(), shape, "{init}");
    assert!(
        p.as_slice().iter().all(|v| v.is_finite()),
        "{init} on {shape:?} wrote {:?}",
        p.as_slice()
    );
    Ok(())
}

fn every_scheme_on_empty_and_0d_shapes() {
    for mut g in generators() {
        for shape in [&[0][..], &[0, 5], &[5, 0], &[0, 0, 3], &[2, 0, 3, 3], &[]] {
            for init in every_scheme(0.5) {
                if let Err(e) = apply_checked(&init, shape, &mut *g) {
                    // Only rules about the rank may refuse an empty or 0-d tensor.
                    let kind = e.kind();
                    let rank =
                        matches!(kind, ErrorKind::Rank { .. } | ErrorKind::FanNeeds2D { .. });
                    let dirac = matches!(kind, ErrorKind::DeltaOrthogonalChannels { .. });
                    assert!(rank || dirac, "{init} on {shape:?}: {e}");
                }
            }
        }
    }
}

fn every_argument_at_its_extremes() {
    let extremes = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        -1.0,
        0.0,
        1e-320,
        0.999,
        MAX,
        1e39,
        1e300,
        f64::MAX,
        -f64::MAX,
    ];
    for mut g in generators() {
        for x in extremes {
            for init in every_scheme(x) {
                for shape in [&[4, 5][..], &[4, 2, 3], &[1]] {
                    let _ = apply_checked(&init, shape, &mut *g);
                }
            }
        }
    }
}

fn seed_offsets_wrap() {
    // Positions are taken modulo 2^64: an offset near the end is not an error.
    let mut out = [0.0f32; 9];
    Seed::new(0).fill_at("w", Dist::STANDARD_NORMAL, u64::MAX - 3, &mut out);
    assert!(out.iter().all(|x| x.is_finite()));
    let mut bits = [0u32; 9];
    Seed::new(0).fill_bits("w", u64::MAX - 3, &mut bits);
}

fn set_parameter_mismatch() {
    let mut fc = Linear::<3, 2>::new(&mut Seed::new(0)).unwrap();
    let before = fc.state_dict();
    let wrong = ArrayD::<f32>::ones(IxDyn(&[3, 2]));
    err(
        fc.set_parameter("weight", wrong.view()),
        "weight: shape mismatch: the parameter has shape [2, 3], the source has shape [3, 2]",
    );
    assert!(fc.set_parameter("nope", wrong.view()).is_err());
    assert!(fc.state_dict() == before);
}

fn load_state_dict_mismatch_changes_nothing() {
    let mut fc = Linear::<3, 2>::new(&mut Seed::new(0)).unwrap();
    let before = fc.state_dict();
    let mut sd = StateDict::new();
    sd.insert("weight", Tensor::from(ArrayD::<f32>::ones(IxDyn(&[0, 3])))).unwrap();
    sd.insert("bias", Tensor::from(ArrayD::<f32>::ones(IxDyn(&[2])))).unwrap();
    let e = fc.load_state_dict(&sd).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::LoadStateDict { .. }), "{e}");
    assert!(fc.state_dict() == before);
}
