//! Goodness of fit of `Seed`'s distributions: Kolmogorov–Smirnov tests against the exact CDF
//! (n = 100,000, three fixed seeds each, p > 0.001), plus loose moment checks.
//!
//! The normal CDF here is written independently of `init::math` (erf series near 0, Laplace
//! continued fraction for the tails, std's `exp`), so the sampler is not checked against its
//! own building blocks.

use init::{Dist, Seed};

const N: usize = 100_000;
const SEEDS: [u64; 3] = [11, 2024, 0xDEAD_BEEF];
const P_MIN: f64 = 0.001;

/// Upper tail `Φc(z) = P(Z > z)` for `z >= 0`, relative error ~1e-15.
fn upper_tail(z: f64) -> f64 {
    if z < 2.5 {
        // Φ(z) - 1/2 = φ(z)·(z + z³/3 + z⁵/15 + …), all terms positive.
        let (mut term, mut sum, mut k) = (z, z, 1.0);
        while term > 1e-18 * sum {
            term *= z * z / (2.0 * k + 1.0);
            sum += term;
            k += 1.0;
        }
        0.5 - pdf(z) * sum
    } else {
        // Mills ratio by its continued fraction, evaluated backwards.
        let mut t = z;
        for k in (1..=200).rev() {
            t = z + f64::from(k) / t;
        }
        pdf(z) / t
    }
}

fn pdf(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

fn cdf(z: f64) -> f64 {
    if z >= 0.0 { 1.0 - upper_tail(z) } else { upper_tail(-z) }
}

/// CDF of `N(mean, std²)` truncated to `[a, b]`, without cancellation in either tail.
fn trunc_cdf(x: f64, mean: f64, std: f64, a: f64, b: f64) -> f64 {
    let (za, zb) = ((a - mean) / std, (b - mean) / std);
    let z = ((x - mean) / std).clamp(za, zb);
    if za + zb > 0.0 {
        // Window mostly above the mean: work with upper tails.
        (upper_tail_any(za) - upper_tail_any(z)) / (upper_tail_any(za) - upper_tail_any(zb))
    } else {
        (cdf(z) - cdf(za)) / (cdf(zb) - cdf(za))
    }
}

fn upper_tail_any(z: f64) -> f64 {
    if z >= 0.0 { upper_tail(z) } else { 1.0 - upper_tail(-z) }
}

/// Kolmogorov–Smirnov statistic of `sample` against `cdf`.
fn ks_statistic(sample: &mut [f64], cdf: impl Fn(f64) -> f64) -> f64 {
    sample.sort_by(f64::total_cmp);
    let n = sample.len() as f64;
    let mut d: f64 = 0.0;
    for (i, &x) in sample.iter().enumerate() {
        let f = cdf(x);
        d = d.max(f - i as f64 / n).max((i + 1) as f64 / n - f);
    }
    d
}

/// P(D_n > d) from the Kolmogorov distribution, with Stephens' small-sample correction
/// `λ = (√n + 0.12 + 0.11/√n)·d`.
fn ks_p_value(d: f64, n: usize) -> f64 {
    let sn = (n as f64).sqrt();
    let lambda = (sn + 0.12 + 0.11 / sn) * d;
    if lambda < 1e-3 {
        return 1.0;
    }
    if lambda < 1.18 {
        // Q = 1 - √(2π)/λ · Σ exp(-(2k-1)²π²/(8λ²)), fast for small λ.
        let c = -std::f64::consts::PI * std::f64::consts::PI / (8.0 * lambda * lambda);
        let s: f64 = (1..=20).map(|k| (c * f64::from(2 * k - 1).powi(2)).exp()).sum();
        (1.0 - (2.0 * std::f64::consts::PI).sqrt() / lambda * s).clamp(0.0, 1.0)
    } else {
        // Q = 2 Σ (-1)^(k-1) exp(-2k²λ²).
        let s: f64 = (1..=100)
            .map(|k: i32| {
                let sign = if k % 2 == 1 { 1.0 } else { -1.0 };
                sign * (-2.0 * f64::from(k * k) * lambda * lambda).exp()
            })
            .sum();
        (2.0 * s).clamp(0.0, 1.0)
    }
}

fn sample(seed: u64, path: &str, dist: Dist) -> Vec<f64> {
    let mut v = vec![0f32; N];
    Seed::new(seed).fill_at(path, dist, 0, &mut v);
    v.into_iter().map(f64::from).collect()
}

fn mean_var(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    (m, x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1.0))
}

/// KS against `cdf` for each seed; returns the samples for further checks.
fn ks_all(dist: Dist, cdf: impl Fn(f64) -> f64 + Copy) -> Vec<Vec<f64>> {
    SEEDS
        .iter()
        .map(|&seed| {
            let mut x = sample(seed, "ks.weight", dist);
            let d = ks_statistic(&mut x, cdf);
            let p = ks_p_value(d, N);
            assert!(p > P_MIN, "{dist:?}, seed {seed}: D = {d:.5}, p = {p:.2e}");
            x
        })
        .collect()
}

/// Mean and variance of `N(mean, std²)` truncated to `[a, b]` (for windows near the mean).
fn trunc_moments(mean: f64, std: f64, a: f64, b: f64) -> (f64, f64) {
    let (al, be) = ((a - mean) / std, (b - mean) / std);
    let z = cdf(be) - cdf(al);
    let (pa, pb) = (pdf(al), pdf(be));
    let m = mean + std * (pa - pb) / z;
    let v = std * std * (1.0 + (al * pa - be * pb) / z - ((pa - pb) / z).powi(2));
    (m, v)
}

#[test]
fn the_test_machinery_is_sound() {
    assert!((cdf(1.0) - 0.841_344_746_068_542_9).abs() < 1e-15);
    assert!((upper_tail(8.0) / 6.220_960_574_271_784e-16 - 1.0).abs() < 1e-13);
    assert!((ks_p_value(0.0, N) - 1.0).abs() < 1e-12);
    // Critical values of the Kolmogorov distribution: λ = 1.36 ↔ p = 0.05, 1.63 ↔ 0.01.
    let d = |lambda: f64| lambda / ((N as f64).sqrt() + 0.12 + 0.11 / (N as f64).sqrt());
    assert!((ks_p_value(d(1.358), N) - 0.05).abs() < 1e-3);
    assert!((ks_p_value(d(1.628), N) - 0.01).abs() < 1e-3);
    assert!((ks_p_value(d(1.0), N) - 0.27).abs() < 1e-2);
}

#[test]
fn the_test_has_power() {
    // A 5% error in the standard deviation, or ignoring the truncation, is caught.
    let mut x = sample(SEEDS[0], "power", Dist::normal(0.0, 1.0).unwrap());
    let d = ks_statistic(&mut x, |v| cdf(v / 1.05));
    assert!(ks_p_value(d, N) < 1e-6, "D = {d}");
    let mut x = sample(SEEDS[0], "power", Dist::trunc_normal(0.0, 1.0, -2.0, 2.0).unwrap());
    let d = ks_statistic(&mut x, cdf);
    assert!(ks_p_value(d, N) < 1e-6, "D = {d}");
}

#[test]
fn uniform_fits() {
    let (low, high) = (-0.3, 0.7);
    let dist = Dist::uniform(low, high).unwrap();
    for x in ks_all(dist, |x| ((x - low) / (high - low)).clamp(0.0, 1.0)) {
        assert!(x.iter().all(|&v| (low..high).contains(&v)));
        let (m, v) = mean_var(&x);
        assert!((m - 0.2).abs() < 0.005 && (v - 1.0 / 12.0).abs() < 0.002, "{m} {v}");
    }
}

#[test]
fn normal_fits() {
    let (mean, std) = (1.5, 2.0);
    for x in ks_all(Dist::normal(mean, std).unwrap(), |x| cdf((x - mean) / std)) {
        let (m, v) = mean_var(&x);
        assert!((m - mean).abs() < 0.03 && (v - 4.0).abs() < 0.08, "{m} {v}");
        // The Box–Muller cap is 6.66σ.
        assert!(x.iter().all(|&v| ((v - mean) / std).abs() <= 6.67));
    }
}

fn check_trunc(mean: f64, std: f64, a: f64, b: f64, moment_tol: f64) {
    let dist = Dist::trunc_normal(mean, std, a, b).unwrap();
    let (tm, tv) = trunc_moments(mean, std, a, b);
    for x in ks_all(dist, |x| trunc_cdf(x, mean, std, a, b)) {
        assert!(x.iter().all(|&v| (a..=b).contains(&v)), "{dist:?} left its window");
        let (m, v) = mean_var(&x);
        assert!(
            (m - tm).abs() < moment_tol * std && (v - tv).abs() < 3.0 * moment_tol * tv,
            "{dist:?}: {m} vs {tm}, {v} vs {tv}"
        );
    }
}

#[test]
fn truncated_normal_pytorch_style_fits() {
    // torch.nn.init.trunc_normal_ defaults, and an asymmetric window.
    check_trunc(0.0, 1.0, -2.0, 2.0, 0.01);
    check_trunc(0.0, 1.0, -0.5, 3.0, 0.01);
    // The usual weight init: std 0.02 with the ±2 bounds far outside.
    check_trunc(0.0, 0.02, -2.0, 2.0, 0.01);
}

#[test]
fn truncated_normal_keras_style_fits() {
    // Keras' VarianceScaling(truncated_normal): std = s / 0.8796…, truncated at ±2 std, so
    // the truncated distribution has standard deviation s.
    let s = 0.05;
    let std = s / 0.879_625_661_034_239_8;
    check_trunc(0.0, std, -2.0 * std, 2.0 * std, 0.01);
    let x = sample(
        SEEDS[0],
        "keras.kernel",
        Dist::trunc_normal(0.0, std, -2.0 * std, 2.0 * std).unwrap(),
    );
    let (_, v) = mean_var(&x);
    assert!((v.sqrt() / s - 1.0).abs() < 0.01, "std {} vs {s}", v.sqrt());
}

#[test]
fn far_tail_windows_fit() {
    for (a, b) in [(8.0, 9.0), (-20.0, -19.0), (5.0, 5.001)] {
        let dist = Dist::trunc_normal(0.0, 1.0, a, b).unwrap();
        for x in ks_all(dist, |x| trunc_cdf(x, 0.0, 1.0, a, b)) {
            assert!(x.iter().all(|&v| (a..=b).contains(&v)), "[{a}, {b}]");
            // Deep in a tail the truncated normal is close to an exponential with rate |a|
            // from the near edge: mean offset ≈ 1/|a| (less for a short window).
            if b - a >= 1.0 {
                let (m, _) = mean_var(&x);
                let near = if a > 0.0 { a } else { b };
                let offset = (m - near).abs();
                assert!(
                    offset < 1.0 / near.abs() && offset > 0.5 / near.abs(),
                    "[{a}, {b}]: mean {m}"
                );
            }
        }
    }
}

/// A window holding everything the normal sampler can write (±6.66σ) changes nothing it can
/// produce, so `trunc_normal` there draws exactly `normal`'s values; a window just inside that
/// range takes the inverse-CDF path and respects its bounds.
#[test]
fn wide_trunc_normal_windows_draw_the_normal_values() {
    let g = Seed::new(11);
    let n = 100_000;
    let mut normal = vec![0.0f32; n];
    let mut trunc = vec![0.0f32; n];
    g.fill_at("w", Dist::normal(0.0, 0.02).unwrap(), 0, &mut normal);
    g.fill_at("w", Dist::trunc_normal(0.0, 0.02, -2.0, 2.0).unwrap(), 0, &mut trunc);
    assert_eq!(normal, trunc);
    g.fill_at("w", Dist::normal(0.0, 1.0).unwrap(), 0, &mut normal);
    let narrow = Dist::trunc_normal(0.0, 1.0, -6.0, 6.0).unwrap();
    g.fill_at("w", narrow, 0, &mut trunc);
    assert_ne!(normal, trunc);
    assert!(trunc.iter().all(|x| (-6.0..=6.0).contains(x)));
}
