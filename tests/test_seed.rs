//! `Seed`'s reproducibility contract: same bits for any thread count, any slice alone, any
//! order of other parameters; different paths and seeds differ; pinned golden values; and the
//! `rand` interop of its word streams.

use init::{Dist, Generator, Seed};
use rand_distr::{Distribution, Normal};

fn uniform() -> Dist {
    Dist::uniform(-0.1, 0.1).unwrap()
}
fn normal() -> Dist {
    Dist::normal(0.0, 0.02).unwrap()
}
fn trunc() -> Dist {
    Dist::trunc_normal(0.0, 1.0, -2.0, 2.0).unwrap()
}
fn trunc_tail() -> Dist {
    Dist::trunc_normal(0.5, 0.1, 1.3, 1.4).unwrap()
}
fn all() -> [Dist; 4] {
    [uniform(), normal(), trunc(), trunc_tail()]
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn fill(g: &Seed, path: &str, dist: Dist, offset: u64, len: usize) -> Vec<u32> {
    let mut v = vec![0f32; len];
    g.fill_at(path, dist, offset, &mut v);
    bits(&v)
}

/// FNV-1a 64 over the little-endian bytes of each `u32`.
fn fnv1a(words: &[u32]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for w in words {
        for b in w.to_le_bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

#[test]
fn same_bits_for_1_2_and_8_threads() {
    // 3M elements: split into ~92 rayon tasks.
    let g = Seed::new(123);
    for dist in all() {
        let mut reference: Option<Vec<u32>> = None;
        for threads in [1, 2, 8] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build();
            let Ok(pool) = pool else { panic!("cannot build a {threads}-thread pool") };
            let got = pool.install(|| fill(&g, "decoder.proj.weight", dist, 0, 3_000_001));
            match &reference {
                None => reference = Some(got),
                Some(r) => assert!(*r == got, "{dist:?}: {threads} threads differ"),
            }
        }
    }
}

#[test]
fn any_slice_alone_equals_that_slice_of_the_whole() {
    let g = Seed::new(9);
    let n = 200_003;
    let slices = [
        (0, 1),
        (1, 2),
        (3, 35),
        (31, 33),
        (32, 64),
        (33, 97),
        (255, 513),
        (12_345, 12_346),
        (1_001, 150_001), // long enough to be split over threads itself
        (199_999, 200_003),
    ];
    for dist in all() {
        let whole = fill(&g, "blocks.7.attn.qkv.weight", dist, 0, n);
        for (a, b) in slices {
            let part = fill(&g, "blocks.7.attn.qkv.weight", dist, a as u64, b - a);
            assert!(part == whole[a..b], "{dist:?}: slice {a}..{b}");
        }
    }
    let mut words = vec![0u32; 5_000];
    g.fill_bits("perm", 0, &mut words);
    let mut part = vec![0u32; 77];
    g.fill_bits("perm", 4_001, &mut part);
    assert_eq!(part, words[4_001..4_078]);
}

#[test]
fn other_parameters_change_nothing() {
    let alone = fill(&Seed::new(5), "fc2.weight", normal(), 0, 10_000);
    // Fill other paths before and after, through the `Generator` trait, on one generator.
    let mut g = Seed::new(5);
    let mut other = vec![0f32; 4_321];
    g.fill("fc1.weight", uniform(), &mut other);
    g.fill("fc1.bias", trunc(), &mut other[..17]);
    let mut w = vec![0f32; 10_000];
    g.fill("fc2.weight", normal(), &mut w);
    g.fill("fc3.weight", normal(), &mut other);
    assert_eq!(bits(&w), alone);
    let mut again = vec![0f32; 10_000];
    g.fill("fc2.weight", normal(), &mut again);
    assert_eq!(bits(&again), alone, "a fill draws nothing from a shared state");
}

#[test]
fn different_paths_and_seeds_differ() {
    let n = 20_000;
    let base = fill(&Seed::new(1), "layer.0.weight", uniform(), 0, n);
    for (g, path) in [
        (Seed::new(1), "layer.1.weight"),
        (Seed::new(1), "layer.0.bias"),
        (Seed::new(1), "layer.0.weight "),
        (Seed::new(2), "layer.0.weight"),
        (Seed::new(1 << 63), "layer.0.weight"),
    ] {
        let other = fill(&g, path, uniform(), 0, n);
        let same = base.iter().zip(&other).filter(|(a, b)| a == b).count();
        // Independent 24-bit uniforms coincide with probability 2^-24 each.
        assert!(same <= 2, "{path:?} with seed {}: {same} equal", g.seed());
    }
    // The value and bit domains of one path are unrelated too.
    let g = Seed::new(1);
    let mut w = vec![0u32; n];
    g.fill_bits("layer.0.weight", 0, &mut w);
    let top: Vec<u32> = w.iter().map(|x| x >> 8).collect();
    let vals = fill(&g, "layer.0.weight", Dist::uniform(0.0, 1.0).unwrap(), 0, n);
    let m: Vec<u32> = vals.iter().map(|&b| (f32::from_bits(b) * 16_777_216.0) as u32).collect();
    assert!(top.iter().zip(&m).filter(|(a, b)| a == b).count() <= 2);
}

/// Golden values: FNV-1a 64 of the `f32` bit patterns for seed 2024, path
/// `"encoder.layers.0.weight"`, on two shapes. CHANGING ANY OF THESE IS A BREAKING CHANGE:
/// every model initialized with `Seed` would get different weights.
#[test]
fn golden_hashes() {
    const SHAPES: [usize; 2] = [3 * 5, 64 * 129];
    let golden: [(Dist, [u64; 2]); 4] = [
        (uniform(), [0x3e9a_ba07_0622_3a02, 0x0d9b_6182_739b_2948]),
        (normal(), [0xc13f_6587_6bf9_01d1, 0xfd81_b2af_3822_90b1]),
        (trunc(), [0xa49d_3898_c74b_7697, 0xff45_0d59_ee12_403b]),
        (trunc_tail(), [0xaea3_8cf9_d952_ef14, 0xfe06_be8c_a8bd_af29]),
    ];
    let g = Seed::new(2024);
    let mut report = String::new();
    let mut ok = true;
    for (dist, want) in golden {
        for (len, want) in SHAPES.iter().zip(want) {
            let got = fnv1a(&fill(&g, "encoder.layers.0.weight", dist, 0, *len));
            report += &format!("{dist:?} len {len}: {got:#018x}\n");
            ok &= got == want;
        }
    }
    // The bit stream (permutations) of the same path.
    let mut words = vec![0u32; 64 * 129];
    g.fill_bits("encoder.layers.0.weight", 0, &mut words);
    let got = fnv1a(&words);
    report += &format!("bits: {got:#018x}\n");
    ok &= got == 0xf2f1_1df6_0592_406c;
    assert!(ok, "golden hashes changed (a breaking change):\n{report}");
}

#[test]
fn streams_work_with_rand_distr_and_reproduce() {
    let g = Seed::new(77);
    let normal = Normal::new(0.0f64, 1.0).unwrap_or_else(|e| panic!("{e}"));
    let mut s = g.stream("custom.weight");
    let xs: Vec<f64> = (0..50_000).map(|_| normal.sample(&mut s)).collect();
    let mean = xs.iter().sum::<f64>() / xs.len() as f64;
    let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / xs.len() as f64;
    assert!(mean.abs() < 0.02 && (var - 1.0).abs() < 0.03, "mean {mean}, var {var}");
    // Reproducible from a fresh generator, and a clone forks the stream at its position.
    let mut again = Seed::new(77).stream("custom.weight");
    let ys: Vec<f64> = (0..50_000).map(|_| normal.sample(&mut again)).collect();
    assert_eq!(xs, ys);
    let mut fork = again.clone();
    assert_eq!(normal.sample(&mut again), normal.sample(&mut fork));
    // `Seed` itself is an Rng (the stream of the root path).
    let mut root = Seed::new(77);
    let u: f64 = rand::RngExt::random(&mut root);
    let mut root_stream = Seed::new(77).stream("");
    assert_eq!(u, rand::RngExt::random::<f64>(&mut root_stream));
    assert!((0.0..1.0).contains(&u));
}

/// The prelude and `rand_distr` glob-imported together: `Distribution` names `rand_distr`'s
/// trait alone (the prelude's variance-scaling choice is `ScalingDistribution`).
mod prelude_beside_rand_distr {
    use init::prelude::*;
    use rand_distr::*;

    fn draw(d: &impl Distribution<f64>, rng: &mut Seed) -> f64 {
        d.sample(rng)
    }

    #[test]
    fn distribution_is_rand_distrs_trait() {
        let x = draw(&Normal::new(0.0, 1.0).unwrap(), &mut Seed::new(3));
        assert!(x.is_finite());
        assert_eq!(ScalingDistribution::default().name(), "truncated_normal");
    }
}
