//! Golden hashes: the values every scheme writes with `Seed::new(2024)` on two shapes.
//!
//! `orthogonal` and `delta_orthogonal` are pinned to 1e-6 instead of to the bit: their QR is
//! floating-point code that `faer` specializes per CPU (SIMD width), so only the Gaussian
//! draws behind them are bit-stable across machines.
//!
//! These pin the default generator's streams and every scheme's formula. A change of any
//! hash is a breaking change for users who rely on reproducible initialization: it needs a
//! major version and a line in the changelog, never a silent update of this table.
//! (To print the current table: `INIT_PRINT_GOLDEN=1 cargo test --test test_golden -- --nocapture`.)

use init::{FanAxes, FanMode, Init, Nonlinearity, Param, ScalingDistribution, Seed, Values};

/// FNV-1a over the little-endian bytes of every value's bit pattern.
fn fnv1a(values: &[f32]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for v in values {
        for b in v.to_bits().to_le_bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

fn schemes() -> Vec<(Init, [&'static [usize]; 2])> {
    let torch = FanAxes::TORCH;
    let w: [&[usize]; 2] = [&[8, 12], &[4, 3, 5, 5]];
    let kaiming = |uniform: bool| {
        let (a, mode, nonlinearity) = (0.1, FanMode::FanOut, Nonlinearity::LeakyRelu);
        if uniform {
            Init::KaimingUniform { a, mode, nonlinearity, axes: torch }
        } else {
            Init::KaimingNormal { a, mode, nonlinearity, axes: torch }
        }
    };
    vec![
        (Init::Uniform { a: -0.5, b: 0.25 }, w),
        (Init::Normal { mean: 0.1, std: 0.02 }, w),
        (Init::TruncNormal { mean: 0.0, std: 1.0, a: -0.5, b: 1.5 }, w),
        (Init::Constant { value: 0.3 }, w),
        (Init::Ones, w),
        (Init::Zeros, w),
        (Init::Eye, [&[8, 12], &[12, 8]]),
        (Init::Dirac { groups: 2 }, [&[4, 3, 5], &[6, 2, 3, 3]]),
        (Init::XavierUniform { gain: 1.5, axes: torch }, w),
        (Init::XavierNormal { gain: 1.5, axes: torch }, w),
        (kaiming(true), w),
        (kaiming(false), w),
        (Init::Sparse { sparsity: 0.25, std: 0.5 }, [&[16, 8], &[8, 16]]),
        (Init::LecunUniform { axes: torch }, w),
        (Init::LecunNormal { axes: FanAxes::KERAS }, w),
        (
            Init::VarianceScaling {
                scale: 2.0,
                mode: FanMode::FanAvg,
                distribution: ScalingDistribution::Normal,
                axes: torch,
            },
            w,
        ),
        (
            Init::Values(Values::new(vec![3], vec![1.0, -2.5, 0.125]).expect("valid")),
            [&[4, 3], &[2, 5, 3]],
        ),
    ]
}

/// (scheme as displayed, hash on the first shape, hash on the second shape).
const GOLDEN: &[(&str, u64, u64)] = &[
    ("uniform(a = -0.5, b = 0.25)", 0x03233b1a5d8599ce, 0x42ba73734364a2e1),
    ("normal(mean = 0.1, std = 0.02)", 0x31cdb9fd9419c8df, 0x9ec5e29fe97e48e4),
    ("trunc_normal(a = -0.5, b = 1.5)", 0x21b639c0f1e101ac, 0x78f97f2efb89d70f),
    ("constant(0.3)", 0xc5b359f9bbb4d865, 0xec8bff91fb465d4d),
    ("ones", 0x6be59f9f3d311225, 0x860ce4a30552cb05),
    ("zeros", 0xc86ec345c0ee8125, 0x74b4429a2fdd70e5),
    ("eye", 0x2221df0e744fb2e5, 0x9e5fdb00e2753de5),
    ("dirac(groups = 2)", 0x3574185a7a4fd465, 0x0f29475b5dc8a605),
    ("xavier_uniform(gain = 1.5)", 0x98af2fe1cb90a9dc, 0x09b1b44b3ad2fb92),
    ("xavier_normal(gain = 1.5)", 0xc99fe2f6659832db, 0xf762e1bed8e8ffb1),
    ("kaiming_uniform(a = 0.1, mode = \"fan_out\")", 0x4655bc9c7f96a8ab, 0xa2c4caa1af81bcd3),
    ("kaiming_normal(a = 0.1, mode = \"fan_out\")", 0x04055f1025866b91, 0xa262e93924e31712),
    ("sparse(sparsity = 0.25, std = 0.5)", 0x3ef40c389aa20d6d, 0x18a5351b0fc84a95),
    ("lecun_uniform", 0x6634197b21f85091, 0x26c0f2c5dcb1df1d),
    ("lecun_normal(in_axis = -2, out_axis = -1)", 0x821a176c245a3534, 0x868fedf557f4e21e),
    (
        "variance_scaling(scale = 2.0, mode = \"fan_avg\", distribution = \"normal\")",
        0xf1a9568c3280fd67,
        0x9fde5f7fbfb502fe,
    ),
    ("values = [1.0, -2.5, 0.125]", 0xd8b14d4193c65f85, 0x7b276b9d967754b5),
];

#[test]
fn every_scheme_matches_its_golden_hash() {
    let mut table = Vec::new();
    for (init, shapes) in schemes() {
        let hashes: Vec<u64> = shapes
            .iter()
            .map(|shape| {
                let mut p = Param::zeros(shape);
                init.apply(p.at("golden.weight"), &mut Seed::new(2024)).expect("valid arguments");
                fnv1a(p.as_slice())
            })
            .collect();
        table.push((init.to_string(), hashes[0], hashes[1]));
    }
    if std::env::var_os("INIT_PRINT_GOLDEN").is_some() {
        for (name, a, b) in &table {
            println!("    ({name:?}, {a:#018x}, {b:#018x}),");
        }
    }
    let got: Vec<(&str, u64, u64)> = table.iter().map(|(n, a, b)| (n.as_str(), *a, *b)).collect();
    assert_eq!(got, GOLDEN);
}

#[test]
fn deterministic_schemes_are_exact() {
    let mut rng = Seed::new(0);
    let mut p = Param::zeros(&[2, 3]);
    Init::Constant { value: 0.3 }.apply(p.at("c"), &mut rng).unwrap();
    assert_eq!(p.as_slice(), &[0.3f32; 6]);
    Init::Eye.apply(p.at("e"), &mut rng).unwrap();
    assert_eq!(p.as_slice(), &[1.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
}

/// The first non-zero values of the QR-based schemes, pinned to 1e-6 (see the module docs).
#[test]
fn qr_based_schemes_match_their_pinned_values() {
    let cases: [(Init, &[usize], [f32; 6]); 2] = [
        (
            Init::Orthogonal { gain: 2.0 },
            &[8, 12],
            [0.27440238, -0.06892003, 0.51939756, -0.79220897, 0.17662162, -1.335289],
        ),
        (
            Init::DeltaOrthogonal { gain: 1.0 },
            &[4, 4, 3, 3],
            [0.22813141, -0.05623299, 0.6870774, -0.6875452, 0.14683883, -0.83579355],
        ),
    ];
    for (init, shape, want) in cases {
        let mut p = Param::zeros(shape);
        init.apply(p.at("golden.weight"), &mut Seed::new(2024)).expect("valid arguments");
        let got: Vec<f32> = p.as_slice().iter().copied().filter(|&x| x != 0.0).take(6).collect();
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() <= 1e-6, "{init}: {got:?} vs {want:?}");
        }
    }
}
