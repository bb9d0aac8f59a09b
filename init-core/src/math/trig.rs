//! Sine and cosine of `2π·u` in `f32`, reduced exactly on `u` (the angle in turns).
//!
//! The nearest quarter turn `n/4` is split off exactly (`u` is dyadic, so `t = u − n/4` is
//! exact), leaving `t ∈ [−1/8, 1/8]`; then `sin 2πt` and `cos 2πt` are minimax polynomials in
//! `t` (degree 7 and 8: Cephes' `sinf`/`cosf` rescaled to turns), and the quadrant `n mod 4`
//! swaps and negates them with selects and sign-bit flips (branch-free, so it vectorizes).
//! Only IEEE `+ - *` and integer operations are used.

// Minimax coefficients of sin(2πt)/t and (cos(2πt) − 1)/t² on |t| ≤ 1/8 (Cephes' `sinf`/`cosf`
// polynomials rescaled from radians to turns), rounded to f32.
const S1: f32 = 6.2831855;
const S3: f32 = -41.34167;
const S5: f32 = 81.593765;
const S7: f32 = -75.445656;
const C2: f32 = -19.739208;
const C4: f32 = 64.93936;
const C6: f32 = -85.44714;
const C8: f32 = 59.3497;

/// `(sin 2πt, cos 2πt)` for `|t| ≤ 1/8`, then rotated by `n` quarter turns.
#[inline(always)]
fn sin_cos_quadrant(t: f32, n: u32) -> (f32, f32) {
    let z = t * t;
    let s = t * (S1 + z * (S3 + z * (S5 + z * S7)));
    let c = 1.0 + z * (C2 + z * (C4 + z * (C6 + z * C8)));
    // n = 0: ( s,  c); 1: ( c, -s); 2: (-s, -c); 3: (-c,  s)
    let swap = n & 1 == 1;
    let (s1, c1) = if swap { (c, s) } else { (s, c) };
    let neg_sin = (n & 2) << 30;
    let neg_cos = ((n + 1) & 2) << 30;
    (f32::from_bits(s1.to_bits() ^ neg_sin), f32::from_bits(c1.to_bits() ^ neg_cos))
}

/// `(sin θ, cos θ)` for `θ = 2π·w/2³²`: a full turn in 32-bit fixed point. This is how the
/// Box–Muller transform turns a random word into an angle.
///
/// Errors at most 2 ulps (absolute error below `1.2·10⁻⁷`) in tests against `f64::sin_cos`.
#[inline(always)]
pub fn sin_cos_turns(w: u32) -> (f32, f32) {
    let n = w.wrapping_add(1 << 29) >> 30;
    let r = w.wrapping_sub(n << 30) as i32; // in [-2^29, 2^29)
    sin_cos_quadrant(r as f32 * (1.0 / 4_294_967_296.0), n)
}

/// [`sin_cos_turns`] on sixteen lanes, the same bits: the quadrant's swap and sign flips as
/// a mask blend and sign-bit XORs.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
pub(crate) fn sin_cos_turns_x16(
    w: core::arch::x86_64::__m512i,
) -> (core::arch::x86_64::__m512, core::arch::x86_64::__m512) {
    use core::arch::x86_64::*;
    let n = _mm512_srli_epi32::<30>(_mm512_add_epi32(w, _mm512_set1_epi32(1 << 29)));
    let r = _mm512_sub_epi32(w, _mm512_slli_epi32::<30>(n));
    let t = _mm512_mul_ps(_mm512_cvtepi32_ps(r), _mm512_set1_ps(1.0 / 4_294_967_296.0));
    let c = |v: f32| _mm512_set1_ps(v);
    let z = _mm512_mul_ps(t, t);
    let sp = _mm512_add_ps(c(S5), _mm512_mul_ps(z, c(S7)));
    let sp = _mm512_add_ps(c(S3), _mm512_mul_ps(z, sp));
    let s = _mm512_mul_ps(t, _mm512_add_ps(c(S1), _mm512_mul_ps(z, sp)));
    let cp = _mm512_add_ps(c(C6), _mm512_mul_ps(z, c(C8)));
    let cp = _mm512_add_ps(c(C4), _mm512_mul_ps(z, cp));
    let cp = _mm512_add_ps(c(C2), _mm512_mul_ps(z, cp));
    let cs = _mm512_add_ps(c(1.0), _mm512_mul_ps(z, cp));
    // n = 0: ( s,  c); 1: ( c, -s); 2: (-s, -c); 3: (-c,  s)
    let swap = _mm512_test_epi32_mask(n, _mm512_set1_epi32(1));
    let s1 = _mm512_mask_blend_ps(swap, s, cs);
    let c1 = _mm512_mask_blend_ps(swap, cs, s);
    let two = _mm512_set1_epi32(2);
    let neg_sin = _mm512_slli_epi32::<30>(_mm512_and_si512(n, two));
    let neg_cos =
        _mm512_slli_epi32::<30>(_mm512_and_si512(_mm512_add_epi32(n, _mm512_set1_epi32(1)), two));
    (
        _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(s1), neg_sin)),
        _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(c1), neg_cos)),
    )
}

#[cfg(test)] // the scalar reference form: the library uses the kernel forms
/// `(sin 2πu, cos 2πu)` for `|u| < 2²²`, reduced exactly on `u`.
///
/// Errors at most 2 ulps (absolute error below `1.2·10⁻⁷`) in tests against `f64::sin_cos`.
/// NaN or `|u| ≥ 2²²` give NaN.
pub(crate) fn sin_cos_2pi(u: f32) -> (f32, f32) {
    if u.is_nan() || u.abs() >= 4_194_304.0 {
        return (f32::NAN, f32::NAN);
    }
    // Round 4u to the nearest integer with the 1.5·2^23 trick (exact for |4u| < 2^22).
    const MAGIC: f32 = 12_582_912.0;
    let k = (4.0 * u + MAGIC) - MAGIC;
    let t = u - 0.25 * k; // exact: both are multiples of ulp(u) and |t| <= 1/8
    sin_cos_quadrant(t, (k as i32) as u32 & 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sin_cos_turns_known_values() {
        use crate::math::sin_cos_turns;
        let (s, c) = sin_cos_turns(1 << 30); // a quarter turn
        assert_eq!((s, c), (1.0, 0.0));
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn sixteen_lanes_match_the_scalar_form() {
        use core::arch::x86_64::*;
        if !std::is_x86_feature_detected!("avx512f") {
            return;
        }
        let mut ws: Vec<u32> = (0..=u32::MAX).step_by(1031).collect();
        ws.extend([0, 1, 1 << 29, (1 << 29) - 1, 1 << 30, 1 << 31, 3 << 30, u32::MAX]);
        for chunk in ws.chunks(16) {
            let mut lanes = [0u32; 16];
            lanes[..chunk.len()].copy_from_slice(chunk);
            // SAFETY: AVX-512F was detected above; the arrays and vectors have the same size.
            let (s, c): ([f32; 16], [f32; 16]) = unsafe {
                let (s, c) = sin_cos_turns_x16(core::mem::transmute::<[u32; 16], __m512i>(lanes));
                (
                    core::mem::transmute::<__m512, [f32; 16]>(s),
                    core::mem::transmute::<__m512, [f32; 16]>(c),
                )
            };
            for (j, w) in lanes.iter().enumerate() {
                let (es, ec) = sin_cos_turns(*w);
                assert_eq!((s[j].to_bits(), c[j].to_bits()), (es.to_bits(), ec.to_bits()), "w {w}");
            }
        }
    }

    #[test]
    fn sin_cos_2pi_known_values() {
        use crate::math::sin_cos_2pi;
        assert_eq!(sin_cos_2pi(0.5), (0.0, -1.0));
        let (s, c) = sin_cos_2pi(0.125);
        assert!((s - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-7 && (s - c).abs() < 1e-7);
    }

    #[test]
    fn turns_match_std() {
        let mut worst_abs: f64 = 0.0;
        let mut w = 0u32;
        loop {
            let (s, c) = sin_cos_turns(w);
            let th = std::f64::consts::TAU * (w as f64) / 4_294_967_296.0;
            worst_abs = worst_abs.max((s as f64 - th.sin()).abs()).max((c as f64 - th.cos()).abs());
            match w.checked_add(65_537) {
                Some(n) => w = n,
                None => break,
            }
        }
        // measured max: 9.7e-8
        assert!(worst_abs < 1.2e-7, "worst {worst_abs}");
        assert_eq!(sin_cos_turns(0), (0.0, 1.0));
        assert_eq!(sin_cos_turns(1 << 31), (0.0, -1.0));
        assert_eq!(sin_cos_turns(3 << 30), (-1.0, 0.0));
    }

    #[test]
    fn two_pi_matches_std_in_ulps() {
        let mut worst_ulp: f64 = 0.0;
        let mut worst_abs: f64 = 0.0;
        for i in 0..1_000_000 {
            let u = (i as f32) / 1_000_000.0;
            let (s, c) = sin_cos_2pi(u);
            let th = std::f64::consts::TAU * u as f64;
            for (got, exact) in [(s, th.sin()), (c, th.cos())] {
                let err = (got as f64 - exact).abs();
                worst_abs = worst_abs.max(err);
                if exact.abs() > 1e-3 {
                    let e32 = exact.abs() as f32;
                    let ulp = (f32::from_bits(e32.to_bits() + 1) - e32) as f64;
                    worst_ulp = worst_ulp.max(err / ulp);
                }
            }
        }
        // measured max: 1.67 ulp, 8.8e-8 absolute
        assert!(worst_ulp <= 2.0 && worst_abs < 1.2e-7, "{worst_ulp} ulp, {worst_abs} abs");
        assert!(sin_cos_2pi(f32::NAN).0.is_nan());
        let (s, c) = sin_cos_2pi(-0.25);
        assert_eq!((s, c), (-1.0, 0.0));
    }
}
