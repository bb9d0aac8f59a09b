//! Natural logarithms, `f32` and `f64`, from integer bit operations and IEEE `+ - * /`.
//!
//! Both reduce `x = 2^k · m` with `m ∈ [√½, √2)` by an integer add on the bit pattern (the
//! carry into the exponent field decides whether `m` is halved), then evaluate
//! `ln m = 2·atanh(s)`, `s = (m − 1)/(m + 1)`, as `f − s·(f − T(s²))` with `f = m − 1` and the
//! Taylor series `T(z) = Σ 2zᵏ/(2k + 1)` (exact rational coefficients, `|s| ≤ 0.1716`; the
//! `f32` path stops at `z³` with the `z⁴` term economized into the lower ones), and
//! finally add `k·ln 2` with `ln 2` split in a short high part (so `k·LN2_HI` is exact) and a
//! low part.

/// ln 2, high part with 32 significant bits (`k · LN2_HI` is exact for `|k| < 2²¹`).
pub(crate) const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
/// ln 2 − `LN2_HI`.
pub(crate) const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
const SQRT_HALF_BITS: u64 = 0x3fe6_a09e_667f_3bcd;
const ONE_BITS: u64 = 0x3ff0_0000_0000_0000;
const MANT: u64 = (1 << 52) - 1;
/// `2⁵² + 1023`: subtracting it from `2⁵² + e` (built from bits) gives `e − 1023` exactly.
const EXP_MAGIC: f64 = 4_503_599_627_371_519.0;

const LN2_HI_F32: f32 = f32::from_bits(0x3f31_7000);
const LN2_LO_F32: f32 = 3.194_618_3e-5;
const SQRT_HALF_BITS_F32: u32 = 0x3f35_04f3;
const ONE_BITS_F32: u32 = 0x3f80_0000;
/// `T(z) ≈ z·(T1 + T2·z + T3·z²)` for the `f32` path: the Taylor series to `z⁴` with the `z⁴`
/// term Chebyshev-economized over `z ≤ (3 − 2√2)²` (error below `10⁻⁹`, far under an ulp).
const T1_F32: f32 = 0.66666687;
const T2_F32: f32 = 0.39989167;
const T3_F32: f32 = 0.2955267;

/// `ln x` for positive, normal, finite `x` (no special cases, so it vectorizes).
#[inline(always)]
pub(crate) fn ln_f64_pos(x: f64) -> f64 {
    let ix = x.to_bits().wrapping_add(ONE_BITS - SQRT_HALF_BITS);
    let k = f64::from_bits((ix >> 52) | 0x4330_0000_0000_0000) - EXP_MAGIC;
    let m = f64::from_bits((ix & MANT).wrapping_add(SQRT_HALF_BITS));
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    // T(z) = Σ_{k=1..11} 2zᵏ/(2k+1), by Estrin's scheme (short dependency chains).
    let z2 = z * z;
    let z4 = z2 * z2;
    let z8 = z4 * z4;
    let a = (2.0 / 3.0 + z * (2.0 / 5.0)) + z2 * (2.0 / 7.0 + z * (2.0 / 9.0));
    let b = (2.0 / 11.0 + z * (2.0 / 13.0)) + z2 * (2.0 / 15.0 + z * (2.0 / 17.0));
    let c = (2.0 / 19.0 + z * (2.0 / 21.0)) + z2 * (2.0 / 23.0);
    let t = z * ((a + z4 * b) + z8 * c);
    k * LN2_HI + (k * LN2_LO + (f - s * (f - t)))
}

/// `ln x` for positive, normal, finite `x` (no special cases, so it vectorizes).
#[inline(always)]
pub(crate) fn ln_f32_pos(x: f32) -> f32 {
    let ix = x.to_bits().wrapping_add(ONE_BITS_F32 - SQRT_HALF_BITS_F32);
    let k = ((ix >> 23) as i32 - 127) as f32;
    let m = f32::from_bits((ix & 0x007f_ffff).wrapping_add(SQRT_HALF_BITS_F32));
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    let t = z * (T1_F32 + z * (T2_F32 + z * T3_F32));
    k * LN2_HI_F32 + (k * LN2_LO_F32 + (f - s * (f - t)))
}

/// [`ln_f32_pos`] on sixteen lanes, the same bits, for `x` in `[2⁻¹²⁶, 1]` in every lane
/// (the Box–Muller `u₁` range). Two steps are shorter than the scalar form's: `vgetexpps`
/// reads `k` off the exponent field in one instruction (for the positive normal `f32` with
/// bits `ix`, exactly `((ix >> 23) as i32 − 127) as f32`), and `k·LN2_HI + …` is one fused
/// multiply-add, which rounds as the separate multiply and add do because the product is
/// exact (`|k| ≤ 126`, and `LN2_HI_F32` has 12 significant bits).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
pub(crate) fn ln_f32_pos_x16(x: core::arch::x86_64::__m512) -> core::arch::x86_64::__m512 {
    use core::arch::x86_64::*;
    let ix = _mm512_add_epi32(
        _mm512_castps_si512(x),
        _mm512_set1_epi32(ONE_BITS_F32.wrapping_sub(SQRT_HALF_BITS_F32) as i32),
    );
    let k = _mm512_getexp_ps(_mm512_castsi512_ps(ix));
    let m = _mm512_castsi512_ps(_mm512_add_epi32(
        _mm512_and_si512(ix, _mm512_set1_epi32(0x007f_ffff)),
        _mm512_set1_epi32(SQRT_HALF_BITS_F32 as i32),
    ));
    let one = _mm512_set1_ps(1.0);
    let f = _mm512_sub_ps(m, one);
    let s = _mm512_div_ps(f, _mm512_add_ps(_mm512_set1_ps(2.0), f));
    let z = _mm512_mul_ps(s, s);
    let poly = _mm512_add_ps(
        _mm512_set1_ps(T1_F32),
        _mm512_mul_ps(
            z,
            _mm512_add_ps(_mm512_set1_ps(T2_F32), _mm512_mul_ps(z, _mm512_set1_ps(T3_F32))),
        ),
    );
    let t = _mm512_mul_ps(z, poly);
    let tail = _mm512_sub_ps(f, _mm512_mul_ps(s, _mm512_sub_ps(f, t)));
    let low = _mm512_add_ps(_mm512_mul_ps(k, _mm512_set1_ps(LN2_LO_F32)), tail);
    _mm512_fmadd_ps(k, _mm512_set1_ps(LN2_HI_F32), low)
}

/// Natural logarithm of an `f64`, the same on every platform (own code, no libm).
///
/// Error below 1 ulp in tests against the platform `ln`. `ln 0 = −∞`, `ln(x < 0) = NaN`,
/// `ln ∞ = ∞`; subnormals are handled.
pub fn ln_f64(x: f64) -> f64 {
    if x.is_nan() || x < 0.0 {
        f64::NAN
    } else if x == 0.0 {
        f64::NEG_INFINITY
    } else if x == f64::INFINITY {
        x
    } else if x < f64::MIN_POSITIVE {
        // 2^54 · x is normal; subtract 54 ln 2 (k·LN2_HI stays exact).
        ln_f64_pos(x * 18_014_398_509_481_984.0) - (54.0 * LN2_HI + 54.0 * LN2_LO)
    } else {
        ln_f64_pos(x)
    }
}

#[cfg(test)] // the scalar reference form: the library uses the kernel forms
/// Natural logarithm of an `f32`, the same on every platform (own code, no libm). Used by
/// the Box–Muller transform.
///
/// Error at most 1 ulp in tests against `f64::ln`. Special values as [`ln_f64`].
pub(crate) fn ln_f32(x: f32) -> f32 {
    if x.is_nan() || x < 0.0 {
        f32::NAN
    } else if x == 0.0 {
        f32::NEG_INFINITY
    } else if x == f32::INFINITY {
        x
    } else if x < f32::MIN_POSITIVE {
        ln_f32_pos(x * 16_777_216.0) - (24.0 * LN2_HI_F32 + 24.0 * LN2_LO_F32)
    } else {
        ln_f32_pos(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_f64_known_values() {
        use crate::math::ln_f64;
        assert!((ln_f64(10.0) - 10f64.ln()).abs() < 1e-15);
        assert_eq!(ln_f64(1.0), 0.0);
    }

    #[test]
    fn ln_f32_known_values() {
        use crate::math::ln_f32;
        assert!((ln_f32(0.25) - 0.25f32.ln()).abs() <= 1e-7);
        assert_eq!(ln_f32(1.0), 0.0);
    }

    /// Error of `got` in ulps of the exact value (taken as `exact`, an `f64` from std).
    fn ulps64(got: f64, exact: f64) -> f64 {
        let ulp = f64::from_bits(exact.abs().to_bits() + 1) - exact.abs();
        ((got - exact) / ulp).abs()
    }

    #[test]
    fn ln_f64_matches_std_within_one_ulp() {
        let mut worst: f64 = 0.0;
        let mut x = 1e-300f64;
        while x < 1e300 {
            for d in [1.0, 1.000_000_1, 1.1, 1.41, 1.415, 1.7, 1.99] {
                let v = x * d;
                let e = ulps64(ln_f64(v), v.ln());
                if v.ln().abs() > 1e-300 {
                    worst = worst.max(e);
                }
            }
            x *= 1.37;
        }
        // near 1, where cancellation would show
        for i in 1..200_000 {
            let v = 1.0 + (i as f64 - 100_000.0) * 3e-6;
            worst = worst.max(ulps64(ln_f64(v), v.ln()));
        }
        // measured max: 1 ulp (against std's own rounding)
        assert!(worst <= 1.0, "worst {worst} ulp");
        assert_eq!(ln_f64(0.0), f64::NEG_INFINITY);
        assert!(ln_f64(-1.0).is_nan());
        assert_eq!(ln_f64(f64::INFINITY), f64::INFINITY);
        let sub = 4.9e-324f64;
        assert!((ln_f64(sub) - sub.ln()).abs() < 1e-13);
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn sixteen_lanes_match_the_scalar_form() {
        use core::arch::x86_64::*;
        if !std::is_x86_feature_detected!("avx512f") {
            return;
        }
        // Every Box–Muller u1 for a stride through the words, then a sweep of [2^-126, 1].
        let mut xs: Vec<f32> = (0..=u32::MAX)
            .step_by(2053)
            .map(|w| (w >> 1) as i32 as f32 * (1.0 / 2_147_483_648.0) + 1.0 / 4_294_967_296.0)
            .collect();
        xs.extend((0x0080_0000u32..=0x3f80_0000).step_by(251).map(f32::from_bits));
        xs.push(1.0);
        for chunk in xs.chunks(16) {
            let mut lanes = [1.0f32; 16];
            lanes[..chunk.len()].copy_from_slice(chunk);
            // SAFETY: AVX-512F was detected above; `[f32; 16]` and `__m512` have the same size.
            let got: [f32; 16] = unsafe {
                core::mem::transmute::<__m512, [f32; 16]>(ln_f32_pos_x16(core::mem::transmute::<
                    [f32; 16],
                    __m512,
                >(lanes)))
            };
            for (x, g) in lanes.iter().zip(got) {
                assert_eq!(g.to_bits(), ln_f32_pos(*x).to_bits(), "ln({x:e})");
            }
        }
    }

    #[test]
    fn ln_f32_matches_std_within_one_ulp() {
        let mut worst: f64 = 0.0;
        let mut bits = 0x0080_0000u32; // smallest normal
        while bits < 0x7f80_0000 {
            let v = f32::from_bits(bits);
            let exact = (v as f64).ln();
            if exact != 0.0 {
                let ulp = f32::from_bits((exact.abs() as f32).to_bits() + 1) as f64
                    - (exact.abs() as f32) as f64;
                worst = worst.max(((ln_f32(v) as f64 - exact) / ulp).abs());
            }
            bits += 997;
        }
        // measured max: 0.84 ulp (of the f32 result)
        assert!(worst <= 1.0, "worst {worst} ulp");
        assert_eq!(ln_f32(0.0), f32::NEG_INFINITY);
        assert!(ln_f32(-1.0).is_nan());
    }
}
