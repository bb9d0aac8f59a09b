//! Scalar, bit-exact emulation of `log256_ps` and `sincos256_ps` from PyTorch's
//! `ATen/native/cpu/avx_mathfun.h` as GCC compiles them with FMA contraction (reference §4.5).
//!
//! Every operation is a float32 operation with round-to-nearest; `fma` is [`f32::mul_add`],
//! which is exactly rounded on every platform, so these functions are platform independent.

const SQRTHF: f32 = f32::from_bits(0x3f35_04f3);
const LOG_P: [f32; 9] = [
    f32::from_bits(0x3d90_21bb),
    f32::from_bits(0xbdeb_d1b8),
    f32::from_bits(0x3def_251a),
    f32::from_bits(0xbdfe_5d4f),
    f32::from_bits(0x3e11_e9bf),
    f32::from_bits(0xbe2a_ae50),
    f32::from_bits(0x3e4c_ceac),
    f32::from_bits(0xbe7f_fffc),
    f32::from_bits(0x3eaa_aaaa),
];
const LOG_Q1: f32 = f32::from_bits(0xb95e_8083);
const LOG_Q2: f32 = f32::from_bits(0x3f31_8000);
const MINUS_DP1: f32 = f32::from_bits(0xbf49_0000);
const MINUS_DP2: f32 = f32::from_bits(0xb97d_a000);
const MINUS_DP3: f32 = f32::from_bits(0xb322_2169);
const SIN_P: [f32; 3] =
    [f32::from_bits(0xb94c_a1f9), f32::from_bits(0x3c08_839e), f32::from_bits(0xbe2a_aaa3)];
const COS_P: [f32; 3] =
    [f32::from_bits(0x37cc_f5ce), f32::from_bits(0xbab6_061a), f32::from_bits(0x3d2a_aaa5)];
const FOPI: f32 = f32::from_bits(0x3fa2_f983);

/// Natural logarithm as `log256_ps` computes it, for `u > 0` (no NaN/negative handling: the
/// Box–Muller kernel only passes values in `(2^-24, 1]`). Always inlined, so that it is
/// compiled with the target features of its caller (see `isa.rs`).
#[inline(always)]
pub(super) fn log_ps(u: f32) -> f32 {
    let x0 = u.max(f32::MIN_POSITIVE);
    let b = x0.to_bits();
    let mut e = ((b >> 23) as i32 - 127) as f32 + 1.0;
    let m = f32::from_bits((b & !0x7f80_0000) | 0.5f32.to_bits());
    let x = if m < SQRTHF {
        e -= 1.0;
        (m - 1.0) + m
    } else {
        m - 1.0
    };
    let z = x * x;
    let mut y = LOG_P[0];
    for &p in &LOG_P[1..] {
        y = y.mul_add(x, p);
    }
    y *= x;
    y = y.mul_add(z, e * LOG_Q1);
    y -= 0.5 * z;
    e.mul_add(LOG_Q2, x + y)
}

/// `(sin θ, cos θ)` as `sincos256_ps` computes them. Always inlined, as [`log_ps`].
#[inline(always)]
pub(super) fn sincos_ps(theta: f32) -> (f32, f32) {
    let ax = theta.abs();
    let mut j = (ax * FOPI) as i32;
    j = (j + 1) & !1;
    let yf = j as f32;
    let mut x = yf.mul_add(MINUS_DP1, ax);
    x = yf.mul_add(MINUS_DP2, x);
    x = yf.mul_add(MINUS_DP3, x);
    let z = x * x;

    let mut c = COS_P[0].mul_add(z, COS_P[1]);
    c = c.mul_add(z, COS_P[2]);
    c *= z;
    c = c.mul_add(z, -(0.5 * z));
    c += 1.0;

    let mut s = SIN_P[0].mul_add(z, SIN_P[1]);
    s = s.mul_add(z, SIN_P[2]);
    s *= z;
    s = s.mul_add(x, x);

    let (mut sin, mut cos) = if j & 2 == 0 { (s, c) } else { (c, s) };
    if (theta < 0.0) ^ (j & 4 != 0) {
        sin = -sin;
    }
    if (!(j.wrapping_sub(2))) & 4 != 0 {
        cos = -cos;
    }
    (sin, cos)
}

#[cfg(test)]
mod tests {
    use super::{log_ps, sincos_ps};

    #[test]
    fn close_to_libm() {
        for k in 1..=1000u32 {
            let u = k as f32 / 1000.0;
            assert!((log_ps(u) - u.ln()).abs() <= 1e-6 * (1.0 + u.ln().abs()), "ln {u}");
            let t = u * core::f32::consts::TAU;
            let (s, c) = sincos_ps(t);
            assert!((s - t.sin()).abs() < 1e-6 && (c - t.cos()).abs() < 1e-6, "sincos {t}");
        }
    }
}
