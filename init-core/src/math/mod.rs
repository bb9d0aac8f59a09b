//! Portable elementary functions for the sampling path: own polynomials built from IEEE
//! `+ - * / sqrt` only, so the same bits come out on every platform (no platform libm, no
//! fused multiply-add: Rust never contracts `a * b + c` on its own). The sixteen-lane AVX-512
//! forms (`ln_f32_pos_x16`, `sin_cos_turns_x16`) give the same bits as the scalar ones; they
//! fuse a multiply-add only where the product is exact, so it rounds once either way.
//!
//! - `ln_f32`, `sin_cos_2pi`, `sin_cos_turns`: the Box–Muller transform.
//! - [`ln_f64`], [`exp_f64`], [`norm_pdf`], [`norm_cdf`], [`norm_sf`], [`log_norm_cdf`],
//!   [`mills_ratio`], [`inv_norm_cdf`], [`inv_norm_cdf_ln`]: the truncated normal's
//!   inverse-CDF sampler.
//! - `erfinv_f32`: `trunc_normal_` as PyTorch ≤ 2.11 and timm draw it.
//!
//! Each function's unit tests state the maximum error measured against std (or
//! high-precision references where std has no counterpart).

mod erfinv;
mod exp;
mod inv_normal;
mod ln;
mod normal_cdf;
mod trig;

pub(crate) use erfinv::erfinv_f32;
pub(crate) use exp::exp_f64;
pub(crate) use inv_normal::{
    CENTRAL_DEN, CENTRAL_NUM, DEEP_LN_P, lower as inv_norm_cdf_lower, ppnd_central, ppnd_central_n,
    ppnd_is_central, ppnd_tail,
};
#[cfg(test)]
pub(crate) use inv_normal::{inv_norm_cdf, inv_norm_cdf_ln};
#[cfg(test)]
pub(crate) use ln::ln_f32;
#[cfg(target_arch = "x86_64")]
pub(crate) use ln::ln_f32_pos_x16;
pub(crate) use ln::{ln_f32_pos, ln_f64, ln_f64_pos};
pub(crate) use normal_cdf::{log_norm_cdf, mills_ratio, norm_cdf, norm_pdf, norm_sf};
#[cfg(test)]
pub(crate) use trig::sin_cos_2pi;
pub(crate) use trig::sin_cos_turns;
#[cfg(target_arch = "x86_64")]
pub(crate) use trig::sin_cos_turns_x16;

#[cfg(test)]
mod tests {
    #[test]
    fn quantile_and_cdf_round_trip() {
        use crate::math::{inv_norm_cdf, norm_cdf};
        let x = inv_norm_cdf(0.3);
        assert!((norm_cdf(x) - 0.3).abs() < 1e-16);
    }
}
