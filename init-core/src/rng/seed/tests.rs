//! Unit tests of the fill machinery: AVX-512 and AVX2 against portable builds, vector
//! kernels against a scalar per-element reference, and the stream views.

use super::kernels::box_muller;
use super::trunc::{TruncPlan, covering_normal, plan};
use super::*;
use crate::rng::Bits;

const DISTS: [Dist; 8] = [
    Dist::Uniform { low: -0.3, high: 0.7 },
    Dist::Uniform { low: 1.0, high: 1.0 + 1e-6 },
    Dist::Normal { mean: 0.5, std: 2.0 },
    Dist::TruncNormal { mean: 0.0, std: 1.0, a: -2.0, b: 2.0 },
    Dist::TruncNormal { mean: 0.0, std: 0.02, a: -2.0, b: 2.0 },
    Dist::TruncNormal { mean: 1.0, std: 1.0, a: 9.0, b: 10.0 },
    Dist::TruncNormal { mean: 0.0, std: 1.0, a: -40.0, b: -39.0 },
    Dist::TruncNormal { mean: 0.0, std: 3.0, a: -1.0, b: 500.0 },
];

fn word(g: &Seed, path: &str, domain: u32, i: u64) -> u32 {
    let id = g.id(path, domain);
    philox4x32_10(id.counter(i / 4), id.key)[(i % 4) as usize]
}

/// Element `i` of `path` computed alone, with scalar code.
fn scalar_value(g: &Seed, path: &str, dist: Dist, i: u64) -> f32 {
    let w = word(g, path, VALUES, i);
    match dist {
        Dist::Uniform { low, high } => match uniform_kernel(low, high) {
            Ok(k) => {
                let y = k.base + ((w >> 8) as f32) * k.scale;
                y.max(k.lo).min(k.hi)
            }
            Err(c) => c,
        },
        Dist::Normal { mean, std } => {
            let (c, s) = box_muller(word(g, path, VALUES, i & !1), word(g, path, VALUES, i | 1));
            mean as f32 + std as f32 * if i.is_multiple_of(2) { c } else { s }
        }
        Dist::TruncNormal { mean, std, a, b } if covering_normal(mean, std, a, b).is_some() => {
            scalar_value(g, path, Dist::Normal { mean, std }, i)
        }
        Dist::TruncNormal { mean, std, a, b } => match plan(mean, std, a, b) {
            TruncPlan::Sample(k) => k.value_for_test(w),
            TruncPlan::Constant(c) => c,
        },
    }
}

#[test]
fn selected_build_on_many_threads_agrees_with_portable() {
    let g = Seed::new(0xDEC0DE);
    for dist in DISTS {
        for (offset, len) in [(0u64, 200_003usize), (13, 100_000), (u64::MAX - 40, 100)] {
            let mut fast = vec![0f32; len];
            let mut slow = vec![0f32; len];
            g.fill_at_with("layer.w", dist, offset, &mut fast, Run::Auto);
            g.fill_at_with("layer.w", dist, offset, &mut slow, Run::On(Isa::Portable));
            let same = fast.iter().zip(&slow).all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same, "{dist:?} at {offset}");
        }
    }
    let mut fast = vec![0u32; 70_001];
    let mut slow = vec![0u32; 70_001];
    let id = g.id("perm", BITS);
    fill_par(&BitsK, &id, 3, &mut fast);
    fill_range(&BitsK, &id, 3, &mut slow, Isa::Portable);
    assert_eq!(fast, slow);
}

/// Ranges to compare builds on: fixed edge cases, then pseudo-random ones (starts anywhere,
/// mostly not multiples of 4, 8, 16 or 32; odd lengths; some near the end of the index space).
fn ranges() -> Vec<(u64, usize)> {
    let mut v = vec![(0, 1), (1, 31), (7, 33), (31, 97), (33, 129), (15, 257), (u64::MAX - 70, 71)];
    v.extend([(0, 300_001), (4_294_967_290 * 32 - 13, 5_001)]);
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for k in 0..24 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let start = match k % 3 {
            0 => x % 1_000_003,
            1 => x,
            _ => u64::MAX - x % 100_000,
        };
        v.push((start, ((x >> 40) as usize % 70_000) | 1));
    }
    v
}

/// Build `isa`, on one thread, against the portable build, bit for bit, for every
/// distribution and raw words, on [`ranges`]; skipped (with a message) when the CPU lacks it.
fn compare_with_portable(isa: Isa) {
    if !isa.supported() {
        eprintln!("skipped: this CPU cannot run the {} build", isa.name());
        return;
    }
    let g = Seed::new(0x5eed_1234);
    for (offset, len) in ranges() {
        for dist in DISTS {
            let mut fast = vec![0f32; len];
            let mut slow = vec![0f32; len];
            g.fill_at_with("blocks.7.mlp.w", dist, offset, &mut fast, Run::On(isa));
            g.fill_at_with("blocks.7.mlp.w", dist, offset, &mut slow, Run::On(Isa::Portable));
            let bad = fast.iter().zip(&slow).position(|(a, b)| a.to_bits() != b.to_bits());
            assert_eq!(bad, None, "{} {dist:?} at {offset} len {len}", isa.name());
        }
        let id = g.id("perm", BITS);
        let mut fast = vec![0u32; len];
        let mut slow = vec![0u32; len];
        fill_range(&BitsK, &id, offset, &mut fast, isa);
        fill_range(&BitsK, &id, offset, &mut slow, Isa::Portable);
        assert!(fast == slow, "{} bits at {offset} len {len}", isa.name());
    }
}

#[test]
fn avx512_build_matches_portable() {
    compare_with_portable(Isa::Avx512);
}

#[test]
fn avx2_build_matches_portable() {
    compare_with_portable(Isa::Avx2);
}

#[test]
fn vector_kernels_match_the_scalar_reference() {
    let g = Seed::new(77);
    for dist in DISTS {
        let mut all = vec![0f32; 4099];
        g.fill_at("enc.3.w", dist, 0, &mut all);
        for i in (0..4099).step_by(7).chain([1, 2, 3, 31, 32, 33, 4098]) {
            let want = scalar_value(&g, "enc.3.w", dist, i as u64);
            assert_eq!(all[i].to_bits(), want.to_bits(), "{dist:?} element {i}");
        }
    }
}

#[test]
fn bit_streams_agree() {
    let mut g = Seed::new(11);
    let mut w = [0u32; 10];
    g.fill_bits("p", 0, &mut w);
    for (i, x) in w.iter().enumerate() {
        assert_eq!(*x, word(&g, "p", BITS, i as u64));
    }
    let mut bits = Bits::new(&mut g, "p");
    let mut s = Seed::new(11).stream("p");
    for _ in 0..40 {
        assert_eq!(rand_core::Rng::next_u32(&mut bits), rand_core::Rng::next_u32(&mut s));
    }
    // The generator itself is the stream of the root path.
    let mut root = Seed::new(11).stream("");
    let mut g = Seed::new(11);
    for _ in 0..9 {
        assert_eq!(rand_core::Rng::next_u64(&mut g), rand_core::Rng::next_u64(&mut root));
    }
}

#[test]
fn trunc_reach_is_chosen_from_the_window() {
    let reach = |a: f64, b: f64| match plan(0.0, 1.0, a, b) {
        TruncPlan::Sample(k) => format!("{k:?}"),
        TruncPlan::Constant(c) => format!("const {c}"),
    };
    assert!(reach(-2.0, 2.0).contains("Near"));
    assert!(reach(8.0, 9.0).contains("Far"));
    assert!(reach(-40.0, -39.0).contains("Deep"));
    assert!(reach(1.0, 1.0).starts_with("const"));
    assert!(reach(f64::NEG_INFINITY, f64::INFINITY).contains("Near"));
}

#[test]
fn uniform_never_returns_high() {
    // A range so narrow that rounding would hit `high` often without the clamp.
    let g = Seed::new(3);
    let (low, high) = (1.0, 1.0 + 3.0 * f64::from(f32::EPSILON));
    let mut v = vec![0f32; 100_000];
    g.fill_at("u", Dist::Uniform { low, high }, 0, &mut v);
    assert!(v.iter().all(|&x| f64::from(x) >= low && f64::from(x) < high));
    assert!(v.iter().any(|&x| x > 1.0));
    g.fill_at("u", Dist::Uniform { low: 2.0, high: 2.0 }, 0, &mut v);
    assert!(v.iter().all(|&x| x == 2.0));
}

/// Random truncated-normal windows of every kind (narrow and wide, around the mean and
/// one-sided, near and far tails, mirrored, tiny and huge `std`), each build against the
/// portable one bit for bit, and against the scalar reference at a stride: the vector
/// kernels' fusions and branches (central in registers, compacted tails, the multiplies
/// proven equal) must hold for windows no fixed list thought of.
#[test]
fn random_truncated_windows_agree_across_builds() {
    let g = Seed::new(0x7a11);
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut checked = 0;
    for case in 0..160 {
        let std = 10f64.powf(next() * 6.0 - 3.0);
        let mean = (next() - 0.5) * 10.0 * std;
        // Window in standard units: centre anywhere in [-12, 12], width 1e-3 to 30.
        let centre = (next() - 0.5) * 24.0;
        let width = 10f64.powf(next() * 4.5 - 3.0);
        let (a, b) = (mean + std * (centre - width / 2.0), mean + std * (centre + width / 2.0));
        let Ok(dist) = Dist::trunc_normal(mean, std, a, b) else { continue };
        let len = 1_000 + (next() * 3_000.0) as usize;
        let offset = (next() * 1e9) as u64;
        let path = format!("w{case}");
        let mut slow = vec![0f32; len];
        g.fill_at_with(&path, dist, offset, &mut slow, Run::On(Isa::Portable));
        for isa in [Isa::Avx2, Isa::Avx512].into_iter().filter(|i| i.supported()) {
            let mut fast = vec![0f32; len];
            g.fill_at_with(&path, dist, offset, &mut fast, Run::On(isa));
            let bad = fast.iter().zip(&slow).position(|(p, q)| p.to_bits() != q.to_bits());
            assert_eq!(bad, None, "{} {dist:?} at {offset}", isa.name());
        }
        for i in (0..len).step_by(97) {
            let want = scalar_value(&g, &path, dist, offset + i as u64);
            assert_eq!(slow[i].to_bits(), want.to_bits(), "{dist:?} element {}", offset + i as u64);
        }
        checked += 1;
    }
    assert!(checked > 150, "only {checked} windows were valid");
}
