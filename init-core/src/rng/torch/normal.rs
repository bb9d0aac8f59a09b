//! `Tensor.normal_` and `Tensor.uniform_` for float32 on CPU (reference §4.3, §4.4): the
//! uniform kernel with FMA, Path S (double Box–Muller with a cached second value) and
//! Path F (`normal_fill` with the AVX2 Box–Muller-16).
//!
//! Each kernel is an `#[inline(always)]` body run through [`Isa`]: compiled for the baseline
//! or, on x86-64 CPUs with FMA, inside a `#[target_feature]` function where every
//! `mul_add` is one instruction. Both give the same bits (see `isa.rs`).

use core::f64::consts::PI;

use super::TorchGenerator;
use super::avx_mathfun::{log_ps, sincos_ps};
use super::isa::Isa;

/// `f32(2π)` = `0x40c90fdb`.
const TWO_PI_F: f32 = f32::from_bits(0x40c9_0fdb);
/// `2^-24`.
const TWO_POW_M24: f32 = 1.0 / 16_777_216.0;
/// `2^-53`.
const TWO_POW_M53: f64 = 1.0 / 9_007_199_254_740_992.0;
/// Below this many elements `normal_` takes Path S.
const PATH_F_MIN: usize = 16;
/// Words drawn per block by the bulk fills (4 KiB on the stack).
const WORDS: usize = 1024;

impl TorchGenerator {
    /// `uniform_real_distribution<double>(0, 1)`: the low 53 bits of `random64()` times `2^-53`.
    #[inline]
    fn uniform53(&mut self) -> f64 {
        (self.random64() & ((1u64 << 53) - 1)) as f64 * TWO_POW_M53
    }

    /// `Tensor.uniform_(low, high)` on float32, AVX2 build: one FMA per element.
    pub(super) fn uniform_f32(&mut self, low: f64, high: f64, out: &mut [f32]) {
        self.uniform_f32_on(Isa::detect(), low, high, out);
    }

    /// [`uniform_f32`](Self::uniform_f32) in the build `isa`, which must be one this CPU runs.
    pub(super) fn uniform_f32_on(&mut self, isa: Isa, low: f64, high: f64, out: &mut [f32]) {
        match isa {
            Isa::Portable => self.uniform_body(low, high, out),
            // SAFETY: `Isa::detect` (and `Isa::available`) only yield `Fma` on CPUs with FMA.
            #[cfg(target_arch = "x86_64")]
            Isa::Fma => unsafe { fma::uniform(self, low, high, out) },
        }
    }

    #[inline(always)]
    fn uniform_body(&mut self, low: f64, high: f64, out: &mut [f32]) {
        let from = low as f32;
        let to = high as f32;
        let range = to - from;
        let mut words = [0u32; WORDS];
        for chunk in out.chunks_mut(WORDS) {
            let words = &mut words[..chunk.len()];
            self.mt.fill_u32(words);
            for (o, &w) in chunk.iter_mut().zip(words.iter()) {
                let v = ((w & 0xff_ffff) as f32 * TWO_POW_M24).mul_add(range, from);
                *o = if v == to { from } else { v };
            }
        }
    }

    /// `out.len()` draws of `uniform_real_distribution<float>(0, 1)` (the low 24 bits of one
    /// word times `2^-24`), words taken a block at a time.
    #[inline(always)]
    fn uniform24_fill(&mut self, out: &mut [f32]) {
        let mut words = [0u32; WORDS];
        for chunk in out.chunks_mut(WORDS) {
            let words = &mut words[..chunk.len()];
            self.mt.fill_u32(words);
            for (o, &w) in chunk.iter_mut().zip(words.iter()) {
                *o = (w & 0xff_ffff) as f32 * TWO_POW_M24;
            }
        }
    }

    /// `Tensor.normal_(mean, std)` on a contiguous float32 tensor of `out.len()` elements.
    pub(super) fn normal_f32(&mut self, mean: f64, std: f64, out: &mut [f32]) {
        self.normal_f32_on(Isa::detect(), mean, std, out);
    }

    /// [`normal_f32`](Self::normal_f32) in the build `isa`, which must be one this CPU runs.
    pub(super) fn normal_f32_on(&mut self, isa: Isa, mean: f64, std: f64, out: &mut [f32]) {
        match isa {
            Isa::Portable => self.normal_body(mean, std, out),
            // SAFETY: as in `uniform_f32_on`.
            #[cfg(target_arch = "x86_64")]
            Isa::Fma => unsafe { fma::normal(self, mean, std, out) },
        }
    }

    #[inline(always)]
    fn normal_body(&mut self, mean: f64, std: f64, out: &mut [f32]) {
        if out.len() < PATH_F_MIN {
            for o in out {
                *o = self.standard_normal_f64().mul_add(std, mean) as f32;
            }
        } else {
            self.normal_fill(mean as f32, std as f32, out);
        }
    }

    /// `at::normal_distribution<double>` before scaling: takes the cached value if any, else
    /// draws `u1` then `u2`, returns `r·cos θ` and caches `r·sin θ`. Uses the platform libm
    /// (`log1p`, `sin`, `cos`), which is glibc on Linux as in PyTorch.
    #[inline(always)]
    fn standard_normal_f64(&mut self) -> f64 {
        if let Some(z) = self.next_double_normal.take() {
            return z;
        }
        let u1 = self.uniform53();
        let u2 = self.uniform53();
        let r = (-2.0 * (-u2).ln_1p()).sqrt();
        let theta = 2.0 * PI * u1;
        self.next_double_normal = Some(r * theta.sin());
        r * theta.cos()
    }

    /// Path F: uniforms for the whole buffer, Box–Muller-16 on every full block, then 16
    /// fresh uniforms for the last (overlapping) window when `n % 16 != 0`.
    #[inline(always)]
    fn normal_fill(&mut self, mean: f32, std: f32, out: &mut [f32]) {
        let n = out.len();
        self.uniform24_fill(out);
        for block in out.chunks_exact_mut(PATH_F_MIN) {
            box_muller_16(block, mean, std);
        }
        if !n.is_multiple_of(PATH_F_MIN) {
            let tail = &mut out[n - PATH_F_MIN..];
            self.uniform24_fill(tail);
            box_muller_16(tail, mean, std);
        }
    }
}

/// The AVX2 `NormalFill16<float>`: 16 uniforms in, 16 normals out.
#[inline(always)]
fn box_muller_16(d: &mut [f32], mean: f32, std: f32) {
    let (lo, hi) = d.split_at_mut(8);
    for (a, b) in lo.iter_mut().zip(hi.iter_mut()) {
        let u1 = 1.0 - *a;
        let radius = (-2.0 * log_ps(u1)).sqrt();
        let (sin, cos) = sincos_ps(TWO_PI_F * *b);
        *a = (radius * cos).mul_add(std, mean);
        *b = (radius * sin).mul_add(std, mean);
    }
}

/// The kernels compiled for x86-64 with FMA: the `#[inline(always)]` bodies above,
/// inlined here, so `mul_add` becomes `vfmadd`.
#[cfg(target_arch = "x86_64")]
mod fma {
    use super::TorchGenerator;

    #[target_feature(enable = "fma")]
    pub(super) fn uniform(g: &mut TorchGenerator, low: f64, high: f64, out: &mut [f32]) {
        g.uniform_body(low, high, out);
    }

    #[target_feature(enable = "fma")]
    pub(super) fn normal(g: &mut TorchGenerator, mean: f64, std: f64, out: &mut [f32]) {
        g.normal_body(mean, std, out);
    }

    #[cfg(test)]
    #[target_feature(enable = "fma")]
    pub(super) fn box_muller(d: &mut [f32], mean: f32, std: f32) {
        super::box_muller_16(d, mean, std);
    }
}

#[cfg(test)]
mod tests {
    use super::{Isa, TorchGenerator, box_muller_16};

    /// `box_muller_16` in build `isa`.
    fn box_muller_on(isa: Isa, d: &mut [f32], mean: f32, std: f32) {
        match isa {
            Isa::Portable => box_muller_16(d, mean, std),
            // SAFETY: `Isa::available` only lists builds this CPU runs.
            #[cfg(target_arch = "x86_64")]
            Isa::Fma => unsafe { super::fma::box_muller(d, mean, std) },
        }
    }

    /// Every input the Box–Muller kernel can get (`k · 2^-24`, `k < 2^24`), once in the
    /// `log` lanes and once in the `sincos` lanes: each build this CPU runs gives the portable
    /// build's bits.
    #[test]
    fn box_muller_same_bits_in_every_build() {
        let inputs: Vec<f32> = (0..1u32 << 24).map(|k| k as f32 / 16_777_216.0).collect();
        for shift in [0, 8] {
            let run = |isa| {
                let mut d = inputs.clone();
                d.rotate_left(shift);
                for block in d.chunks_exact_mut(16) {
                    box_muller_on(isa, block, 0.25, 3.0);
                }
                d
            };
            let portable = run(Isa::Portable);
            for isa in Isa::available() {
                let got = run(isa);
                let diff = portable.iter().zip(&got).position(|(a, b)| a.to_bits() != b.to_bits());
                assert_eq!(diff, None, "{isa:?} differs from Portable at element {diff:?}");
            }
        }
    }

    /// Whole fills (both normal paths, the 16-element tail re-draw, uniform) and the words
    /// left in the stream: the same in every build this CPU runs.
    #[test]
    fn fills_same_bits_in_every_build() {
        let fill = |isa, seed, n| {
            let mut g = TorchGenerator::new(seed);
            let mut normal = vec![0.0f32; n];
            let mut uniform = vec![0.0f32; n];
            g.normal_f32_on(isa, 0.5, 2.0, &mut normal);
            g.uniform_f32_on(isa, -3.0, 5.0, &mut uniform);
            g.normal_f32_on(isa, -1.0, 0.02, &mut normal[..n.min(3)]);
            let bits = |v: Vec<f32>| v.into_iter().map(f32::to_bits).collect::<Vec<_>>();
            (bits(normal), bits(uniform), g.random())
        };
        for isa in Isa::available() {
            for seed in [0, 1, 42, (1 << 32) + 7] {
                for n in [1, 2, 15, 16, 17, 31, 1000, 4099] {
                    let want = fill(Isa::Portable, seed, n);
                    assert!(fill(isa, seed, n) == want, "{isa:?}, seed {seed}, {n} elements");
                }
            }
        }
    }
}
