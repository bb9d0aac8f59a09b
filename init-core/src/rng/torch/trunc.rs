//! `nn.init.trunc_normal_` as PyTorch ≥ 2.12 computes it (reference §1.4, Algorithm B), and
//! as releases ≤ 2.11 and timm's `trunc_normal_` compute it (Algorithm A, inverse CDF).

use core::f64::consts::{FRAC_2_SQRT_PI, SQRT_2};

use super::TorchGenerator;
use crate::math::erfinv_f32;

/// Which `trunc_normal_` a [`TorchGenerator`] reproduces: the ported program's PyTorch release
/// decides, or the library it calls (timm keeps its own copy of the older algorithm).
///
/// ```
/// use init_core::{Dist, Generator, TorchGenerator, TruncNormalAlgorithm};
/// // timm: torch.manual_seed(0); trunc_normal_(torch.empty(3), std=.02)
/// let mut g = TorchGenerator::new(0).with_trunc_normal(TruncNormalAlgorithm::InverseCdf);
/// let mut w = [0.0f32; 3];
/// g.fill("pos_embed", Dist::trunc_normal(0.0, 0.02, -2.0, 2.0)?, &mut w);
/// assert!(w.iter().all(|v| v.abs() < 0.1));
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TruncNormalAlgorithm {
    /// PyTorch ≥ 2.12's `nn.init.trunc_normal_` (the default): `normal_` and whole-tensor
    /// redraws when `[a, b]` holds more than 0.3 of the mass, uniform proposals otherwise.
    #[default]
    Rejection,
    /// PyTorch ≤ 2.11's `nn.init.trunc_normal_` and timm's `trunc_normal_`:
    /// `uniform_(2Φ(α) − 1, 2Φ(β) − 1)`, `erfinv_`, `mul_(std·√2)`, `add_(mean)`,
    /// `clamp_(a, b)`: one uniform per element. PyTorch's float `erfinv_` is MKL's
    /// (`vsErfInv`, not correctly rounded); this one is correctly rounded, so about 3 values
    /// in 10 000 differ from PyTorch's in the last bit (`TorchGenerator`'s docs).
    InverseCdf,
}

/// Above this probability mass of `[a, b]` the rejection-by-redraw branch is used.
const WIDE: f64 = 0.3;

impl TorchGenerator {
    /// Fill `out` from `N(mean, std²)` conditioned on `[a, b]`.
    pub(super) fn trunc_normal_f32(
        &mut self,
        mean: f64,
        std: f64,
        a: f64,
        b: f64,
        out: &mut [f32],
    ) {
        if out.is_empty() {
            return;
        }
        if self.trunc == TruncNormalAlgorithm::InverseCdf {
            self.trunc_inverse_cdf(mean, std, a, b, out);
            return;
        }
        let p = phi((b - mean) / std) - phi((a - mean) / std);
        let mut scratch = vec![0.0f32; out.len()];
        if p > WIDE {
            self.trunc_wide(mean, std, a as f32, b as f32, out, &mut scratch);
        } else {
            self.trunc_narrow(mean, std, a, b, out, &mut scratch);
        }
    }

    /// Algorithm A, op by op as float32 tensor ops: the bounds and factors are Python
    /// doubles, cast to float by each op.
    fn trunc_inverse_cdf(&mut self, mean: f64, std: f64, a: f64, b: f64, out: &mut [f32]) {
        let (l, u) = (phi((a - mean) / std), phi((b - mean) / std));
        self.uniform_f32(2.0 * l - 1.0, 2.0 * u - 1.0, out);
        let (scale, shift) = ((std * SQRT_2) as f32, mean as f32);
        let (lo, hi) = (a as f32, b as f32);
        for o in out.iter_mut() {
            // clamp_ as PyTorch's: max(min) in this order, NaN kept (none arise here).
            let v = erfinv_f32(*o) * scale + shift;
            *o = if v < lo {
                lo
            } else if v > hi {
                hi
            } else {
                v
            };
        }
    }

    /// `normal_`, then redraw a whole same-size `normal_` and take it where out of range.
    fn trunc_wide(
        &mut self,
        mean: f64,
        std: f64,
        lo: f32,
        hi: f32,
        out: &mut [f32],
        new: &mut [f32],
    ) {
        let outside = |x: f32| x < lo || x > hi;
        self.normal_f32(mean, std, out);
        while out.iter().any(|&x| outside(x)) {
            self.normal_f32(mean, std, new);
            for (o, &n) in out.iter_mut().zip(new.iter()) {
                if outside(*o) {
                    *o = n;
                }
            }
        }
    }

    /// Uniform proposals on `[a, b]`, accepted when `ln(u) <= log density - log peak`.
    /// Follows PyTorch's draw order, but the float `log_` is not PyTorch's kernel.
    fn trunc_narrow(
        &mut self,
        mean: f64,
        std: f64,
        a: f64,
        b: f64,
        out: &mut [f32],
        buf: &mut [f32],
    ) {
        let mode = mean.clamp(a, b);
        let log_peak = (-0.5 * ((mode - mean) / std).powi(2)) as f32;
        let (mean_f, std_f) = (mean as f32, std as f32);
        let cand = |x: f32| {
            let t = (x - mean_f) / std_f;
            -0.5 * (t * t) - log_peak
        };
        self.uniform_f32(a, b, out);
        let mut pending = vec![false; out.len()];
        self.uniform_f32(0.0, 1.0, buf);
        for ((p, &x), &u) in pending.iter_mut().zip(out.iter()).zip(buf.iter()) {
            *p = u.ln() > cand(x);
        }
        while pending.iter().any(|&p| p) {
            self.uniform_f32(a, b, buf);
            for ((o, &c), &p) in out.iter_mut().zip(buf.iter()).zip(pending.iter()) {
                if p {
                    *o = c;
                }
            }
            self.uniform_f32(0.0, 1.0, buf);
            for ((p, &x), &u) in pending.iter_mut().zip(out.iter()).zip(buf.iter()) {
                if *p {
                    *p = u.ln() > cand(x);
                }
            }
        }
    }
}

/// Standard normal CDF as Python computes it: `(1 + erf(x / √2)) / 2`.
fn phi(x: f64) -> f64 {
    (1.0 + erf(x / SQRT_2)) / 2.0
}

/// `erf(x)` to within a few ulp: the Taylor series below `|x| = 1`, `1 − erfc(x)` with the
/// continued fraction of `erfc` up to 6, and `±1` beyond (where `erfc < 3e-17`).
fn erf(x: f64) -> f64 {
    let ax = x.abs();
    if ax.is_nan() {
        return x;
    }
    let y = if ax < 1.0 {
        // 2/√π · Σ (−1)^n x^{2n+1} / (n! (2n+1))
        let (x2, mut p, mut sum, mut n) = (ax * ax, ax, ax, 0.0);
        loop {
            n += 1.0;
            p *= -x2 / n;
            let t = p / (2.0 * n + 1.0);
            sum += t;
            if t.abs() <= sum * 1e-17 {
                break FRAC_2_SQRT_PI * sum;
            }
        }
    } else if ax < 6.0 {
        // erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + (2/2)/(x + (3/2)/(x + …))))
        let mut t = ax;
        for n in (1..=200).rev() {
            t = ax + f64::from(n) / 2.0 / t;
        }
        // e^{-x²} = e^{-h²}·e^{-(x-h)(x+h)} with h = x cut to 26 bits, so h² is exact.
        let h = f64::from_bits(ax.to_bits() & 0xffff_ffff_f800_0000);
        let gauss = (-h * h).exp() * (-(ax - h) * (ax + h)).exp();
        1.0 - gauss * (FRAC_2_SQRT_PI / 2.0) / t
    } else {
        1.0
    };
    y.copysign(x)
}

#[cfg(test)]
mod tests {
    use super::{TruncNormalAlgorithm, erf, phi};
    use crate::rng::{Dist, Generator, TorchGenerator};

    /// timm 1.0.31 under torch 2.15: `torch.manual_seed(3); t = torch.empty(4, 5);
    /// _trunc_normal_(t, 0.5, 1.0, -1.0, 2.5); torch.rand(1)` (bounds inside the mass, so the
    /// uniform is not on (−1, 1)); these 20 values are also MKL's (no last-bit difference).
    #[test]
    fn inverse_cdf_is_timms_trunc_normal() {
        let want: [u32; 20] = [
            0xbf787e74, 0xbef70cc2, 0x3d54b1d0, 0xbf551eb2, 0x3efb1a95, 0xbf2ad5c8, 0x3f9e61a7,
            0x3f93e4f5, 0x3f462afe, 0x3fd35680, 0x3ee309c0, 0x3fa9527c, 0xbea9089c, 0x3ea8b895,
            0xbf31cdc6, 0x3eecd567, 0xbe7fcd34, 0x3ffdd81f, 0x3fbe5e84, 0x3fcc33ba,
        ];
        let mut g = TorchGenerator::new(3).with_trunc_normal(TruncNormalAlgorithm::InverseCdf);
        let mut w = [0.0f32; 20];
        g.fill("t", Dist::trunc_normal(0.5, 1.0, -1.0, 2.5).unwrap(), &mut w);
        assert_eq!(w.map(f32::to_bits), want);
        let mut next = [0.0f32; 1];
        g.fill("r", Dist::uniform(0.0, 1.0).unwrap(), &mut next);
        assert_eq!(next[0].to_bits(), 0x3f25f7ac, "one uniform per element");
        g.manual_seed(3);
        assert_eq!(g.trunc_normal(), TruncNormalAlgorithm::InverseCdf, "kept by manual_seed");
    }

    #[test]
    fn erf_known_values() {
        let cases = [
            (0.0, 0.0),
            (0.1, 0.112_462_916_018_284_9),
            (0.5, 0.520_499_877_813_046_5),
            (1.0, 0.842_700_792_949_714_9),
            (2.0, 0.995_322_265_018_952_7),
            (3.5, 0.999_999_256_901_627_7),
            (1.2, 0.910_313_978_229_635_3),
            (7.0, 1.0),
            (-1.0, -0.842_700_792_949_714_9),
        ];
        for (x, want) in cases {
            assert!((erf(x) - want).abs() < 1e-15, "erf({x}) = {}", erf(x));
        }
        assert!((phi(2.0) - phi(-2.0) - 0.954_499_736_103_641_6).abs() < 1e-15);
    }
}
