//! The exponential function in `f64` from IEEE `+ - * /` and bit operations.
//!
//! `exp x = 2^k · exp r` with `k = round(x / ln 2)` (round-to-nearest by the `1.5·2⁵²` trick),
//! `r = (x − k·LN2_HI) − k·LN2_LO` (Cody–Waite, `|r| ≤ 0.347`), and `exp r` by its Taylor
//! series to degree 13 (truncation below `4·10⁻¹⁸`); `2^k` is built from bits.

use super::ln::{LN2_HI, LN2_LO};

const INV_LN2: f64 = std::f64::consts::LOG2_E;
const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0; // 1.5 · 2^52
/// Above this `exp` overflows.
const MAX_ARG: f64 = 709.782_712_893_384;
/// Below this `exp` rounds to zero.
const MIN_ARG: f64 = -745.133_219_101_941_2;

/// `exp r` for `|r| ≤ 0.35`, Taylor to degree 13.
#[inline(always)]
fn exp_reduced(r: f64) -> f64 {
    let mut p = 1.0 / 6_227_020_800.0; // 1/13!
    p = p * r + 1.0 / 479_001_600.0;
    p = p * r + 1.0 / 39_916_800.0;
    p = p * r + 1.0 / 3_628_800.0;
    p = p * r + 1.0 / 362_880.0;
    p = p * r + 1.0 / 40_320.0;
    p = p * r + 1.0 / 5_040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p * r + 1.0
}

/// `2^k` for `-1022 <= k <= 1023`.
#[inline(always)]
fn pow2(k: i64) -> f64 {
    f64::from_bits(((k + 1023) as u64) << 52)
}

/// The exponential of an `f64`, the same on every platform (own code, no libm).
///
/// Error at most 1 ulp in tests against the platform `exp` for normal results; subnormal
/// results may be off by one more rounding. `exp(−∞) = 0`, `exp ∞ = ∞`, NaN stays NaN.
pub fn exp_f64(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x > MAX_ARG {
        return f64::INFINITY;
    }
    if x < MIN_ARG {
        return 0.0;
    }
    let kf = (x * INV_LN2 + ROUND_MAGIC) - ROUND_MAGIC;
    let r = (x - kf * LN2_HI) - kf * LN2_LO;
    let p = exp_reduced(r);
    let k = kf as i64;
    if k > 1023 {
        p * pow2(k - 1) * 2.0
    } else if k < -1022 {
        // Scale into the normal range first, then down into the subnormals.
        p * pow2(k + 54) * pow2(-54)
    } else {
        p * pow2(k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_f64_known_values() {
        use crate::math::exp_f64;
        assert!((exp_f64(1.0) - std::f64::consts::E).abs() < 1e-15);
        assert_eq!(exp_f64(0.0), 1.0);
    }

    #[test]
    fn exp_matches_std_within_one_ulp() {
        let mut worst: f64 = 0.0;
        let n = 400_000;
        for i in 0..=n {
            let x = -708.0 + 1417.0 * (i as f64) / (n as f64);
            let exact = x.exp();
            let ulp = f64::from_bits(exact.to_bits() + 1) - exact;
            worst = worst.max(((exp_f64(x) - exact) / ulp).abs());
        }
        for i in 0..100_000 {
            let x = (i as f64 - 50_000.0) * 1e-5;
            let exact = x.exp();
            let ulp = f64::from_bits(exact.to_bits() + 1) - exact;
            worst = worst.max(((exp_f64(x) - exact) / ulp).abs());
        }
        // measured max: 1 ulp (against std's own rounding)
        assert!(worst <= 1.0, "worst {worst} ulp");
        assert_eq!(exp_f64(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp_f64(f64::INFINITY), f64::INFINITY);
        assert_eq!(exp_f64(710.0), f64::INFINITY);
        let s = exp_f64(-740.0);
        assert!((s - (-740f64).exp()).abs() <= 2.0 * 4.9e-324);
    }
}
