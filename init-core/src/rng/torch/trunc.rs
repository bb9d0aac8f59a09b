//! `nn.init.trunc_normal_` as PyTorch ≥ 2.12 computes it (reference §1.4, Algorithm B).

use core::f64::consts::{FRAC_2_SQRT_PI, SQRT_2};

use super::TorchGenerator;

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
        let p = phi((b - mean) / std) - phi((a - mean) / std);
        let mut scratch = vec![0.0f32; out.len()];
        if p > WIDE {
            self.trunc_wide(mean, std, a as f32, b as f32, out, &mut scratch);
        } else {
            self.trunc_narrow(mean, std, a, b, out, &mut scratch);
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
    use super::{erf, phi};

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
