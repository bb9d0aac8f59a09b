//! The per-distribution kernels of [`Seed`](super::Seed)'s fills: each maps stream words to
//! outputs elementwise (plain loops LLVM vectorizes for whichever build inlines them), with
//! hand-written shuffles where LLVM's would be poor (the normal's even/odd split), and the
//! normal taking its words as split pairs straight from the AVX2 and AVX-512 producers.
//! Everything is exact integer arithmetic or IEEE `+ - * / sqrt` on `f32`/`f64` without fused
//! multiply-add (the AVX-512 normal fuses only products that are exact, which round the same
//! either way), so the AVX-512, AVX2 and portable builds give the same bits.

use super::isa::Isa;
use super::words::{GROUP, Words};
use crate::math::{ln_f32_pos, sin_cos_turns};
#[cfg(target_arch = "x86_64")]
use crate::math::{ln_f32_pos_x16, sin_cos_turns_x16};

/// Maps stream words to outputs, elementwise in stream order.
pub(super) trait Kernel: Sync {
    /// Output element type.
    type Out: Copy + Default + Send;
    /// Whether [`apply`](Kernel::apply) does well on one producer run at a time (two or four
    /// groups; short loop body); otherwise it gets batches of several groups.
    const SHORT: bool;
    /// `out[i]` from `w[i]` (Box–Muller: `out[2k], out[2k+1]` from `w[2k], w[2k+1]`), for
    /// whole groups (`w.len() == out.len()`, a multiple of [`GROUP`]). Plain loops, so
    /// they vectorize. `isa`: the build running (only its intrinsics, and those of builds
    /// below it, may be used; a constant after inlining); the values must not depend on it.
    fn apply(&self, w: &[u32], out: &mut [Self::Out], isa: Isa);
    /// The producer's run from group `g` into `out` (at most a run long, whole groups):
    /// [`apply`](Kernel::apply) on [`Words::run`]. A kernel may take the words another way
    /// the producer offers (e.g. [`Words::pair_run`]) if the values stay the same.
    #[inline(always)]
    fn apply_run<S: Words>(&self, src: &S, g: u64, out: &mut [Self::Out]) {
        let x = src.run(g);
        self.apply(&x.as_ref()[..out.len()], out, S::ISA);
    }
}

/// Raw words (the `fill_bits` domain).
pub(super) struct BitsK;

impl Kernel for BitsK {
    type Out = u32;
    const SHORT: bool = true;
    #[inline(always)]
    fn apply(&self, w: &[u32], out: &mut [u32], _isa: Isa) {
        out.copy_from_slice(w);
    }
}

/// `Uniform[low, high)`: `base + m·scale` with `m` the word's top 24 bits, clamped to the
/// f32 range `[lo, hi]` inside `[low, high)`.
pub(super) struct UniformK {
    pub base: f32,
    pub scale: f32,
    pub lo: f32,
    pub hi: f32,
}

impl Kernel for UniformK {
    type Out = f32;
    const SHORT: bool = true;
    #[inline(always)]
    fn apply(&self, w: &[u32], out: &mut [f32], _isa: Isa) {
        for (o, &x) in out.iter_mut().zip(w) {
            let y = self.base + ((x >> 8) as i32 as f32) * self.scale;
            let y = if y < self.lo { self.lo } else { y };
            *o = if y > self.hi { self.hi } else { y };
        }
    }
}

/// 32-byte aligned scratch (whole AVX2 vectors never straddle a cache line).
#[repr(C, align(32))]
struct Align32<T>(T);

/// 64-byte aligned scratch (one AVX-512 vector per cache line).
#[repr(C, align(64))]
struct Align64<T>(T);

/// `Normal(mean, std)` by Box–Muller on word pairs `(2k, 2k+1)`: element `2k` is
/// `mean + std·(r·cos θ)`, element `2k+1` is `mean + std·(r·sin θ)`, with `r = √(−2 ln u₁)`,
/// `u₁ = (⌊w₂ₖ/2⌋ + ½)·2⁻³¹ ∈ [2⁻³², 1]` and `θ = 2π·w₂ₖ₊₁/2³²`. So `|z| ≤ √(64 ln 2) ≈ 6.66`.
/// `ln` is [`ln_f32_pos`] (≤ 1 ulp), `sin`/`cos` are [`sin_cos_turns`] (< 1.2·10⁻⁷ absolute).
///
/// Vectorized without changing that pair layout: each group is split into its even words
/// (`u₁`) and odd words (`θ`) by in-lane shuffles, the transform runs branch-free on
/// `[u32; 16]`/`[f32; 16]` arrays (two AVX2 vectors, one AVX-512 vector), and the results
/// are interleaved back. Pair order inside the arrays is irrelevant to the values, so the
/// portable, AVX2 and AVX-512 builds agree bit for bit and element `i` still depends on words
/// `i & !1` and `i | 1` only.
pub(super) struct NormalK {
    pub mean: f32,
    pub std: f32,
}

/// `(r cos θ, r sin θ)` for one word pair: the scalar reference of [`box_muller_n`].
#[cfg(test)]
#[inline(always)]
pub(super) fn box_muller(w0: u32, w1: u32) -> (f32, f32) {
    let u1 = (w0 >> 1) as i32 as f32 * (1.0 / 2_147_483_648.0) + 1.0 / 4_294_967_296.0;
    let r = (-2.0 * ln_f32_pos(u1)).sqrt();
    let (s, c) = sin_cos_turns(w1);
    (r * c, r * s)
}

/// [`box_muller`] on `P` pairs at once, `(w0[j], w1[j]) → (zc[j], zs[j])`, then
/// `mean + std·z`: the same operations in the same order (so the same bits), written as
/// elementwise loops over fixed-size arrays so LLVM turns every step into full-width vector
/// instructions, with several independent vectors in flight.
#[inline(always)]
fn box_muller_n<const P: usize>(
    w0: &[u32; P],
    w1: &[u32; P],
    mean: f32,
    std: f32,
) -> ([f32; P], [f32; P]) {
    let mut r = [0f32; P];
    for (r, &w) in r.iter_mut().zip(w0) {
        let u1 = (w >> 1) as i32 as f32 * (1.0 / 2_147_483_648.0) + 1.0 / 4_294_967_296.0;
        *r = (-2.0 * ln_f32_pos(u1)).sqrt();
    }
    let mut zc = [0f32; P];
    let mut zs = [0f32; P];
    for j in 0..P {
        let (s, c) = sin_cos_turns(w1[j]);
        zc[j] = mean + std * (r[j] * c);
        zs[j] = mean + std * (r[j] * s);
    }
    (zc, zs)
}

/// [`box_muller_n`] on sixteen pairs in AVX-512 registers, the same bits: `ln` and
/// `sin`/`cos` are [`ln_f32_pos_x16`] and [`sin_cos_turns_x16`], and
/// `u₁ = m·2⁻³¹ + 2⁻³²` is one fused multiply-add, which rounds as the multiply and add do
/// because `m·2⁻³¹` is exact.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
fn box_muller_x16(
    w0: core::arch::x86_64::__m512i,
    w1: core::arch::x86_64::__m512i,
    mean: core::arch::x86_64::__m512,
    std: core::arch::x86_64::__m512,
) -> (core::arch::x86_64::__m512, core::arch::x86_64::__m512) {
    use core::arch::x86_64::*;
    let m = _mm512_cvtepi32_ps(_mm512_srli_epi32::<1>(w0));
    let u1 = _mm512_fmadd_ps(
        m,
        _mm512_set1_ps(1.0 / 2_147_483_648.0),
        _mm512_set1_ps(1.0 / 4_294_967_296.0),
    );
    let r = _mm512_sqrt_ps(_mm512_mul_ps(_mm512_set1_ps(-2.0), ln_f32_pos_x16(u1)));
    let (s, c) = sin_cos_turns_x16(w1);
    (
        _mm512_add_ps(mean, _mm512_mul_ps(std, _mm512_mul_ps(r, c))),
        _mm512_add_ps(mean, _mm512_mul_ps(std, _mm512_mul_ps(r, s))),
    )
}

/// Pair lane `j` of a block of `2P` words (`P` a multiple of 8) is words `2·pair(j)` and
/// `2·pair(j) + 1`: in each 16 words, the pairs in the order an in-lane even/odd shuffle of
/// two 8-word vectors leaves them (`0, 1, 4, 5, 2, 3, 6, 7`), so splitting and re-interleaving
/// costs one in-lane shuffle per vector. The order never affects values.
#[inline(always)]
const fn pair(j: usize) -> usize {
    8 * (j / 8) + [0, 1, 4, 5, 2, 3, 6, 7][j % 8]
}

impl NormalK {
    /// `W = 2P` words through [`box_muller_n`], portable.
    #[inline(always)]
    fn block<const P: usize, const W: usize>(&self, x: &[u32; W], o: &mut [f32; W]) {
        let w0: [u32; P] = core::array::from_fn(|j| x[2 * pair(j)]);
        let w1: [u32; P] = core::array::from_fn(|j| x[2 * pair(j) + 1]);
        let (zc, zs) = box_muller_n(&w0, &w1, self.mean, self.std);
        for j in 0..P {
            o[2 * pair(j)] = zc[j];
            o[2 * pair(j) + 1] = zs[j];
        }
    }

    /// [`block`](Self::block), split and merged with AVX2 in-lane shuffles (same values).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    #[inline]
    fn block_avx2<const P: usize, const W: usize>(&self, x: &[u32; W], o: &mut [f32; W]) {
        use core::arch::x86_64::*;
        let mut w0 = Align32([0u32; P]);
        let mut w1 = Align32([0u32; P]);
        // SAFETY: `W = 2P` with `P` a multiple of 8, so every access below is in bounds;
        // loads and stores are unaligned.
        unsafe {
            let p = x.as_ptr().cast::<f32>();
            for v in 0..P / 8 {
                let a = _mm256_loadu_ps(p.add(16 * v));
                let b = _mm256_loadu_ps(p.add(16 * v + 8));
                _mm256_storeu_ps(
                    w0.0.as_mut_ptr().add(8 * v).cast(),
                    _mm256_shuffle_ps::<0x88>(a, b),
                );
                _mm256_storeu_ps(
                    w1.0.as_mut_ptr().add(8 * v).cast(),
                    _mm256_shuffle_ps::<0xdd>(a, b),
                );
            }
            let (zc, zs) = box_muller_n(&w0.0, &w1.0, self.mean, self.std);
            let (zc, zs) = (Align32(zc), Align32(zs));
            let q = o.as_mut_ptr();
            for v in 0..P / 8 {
                let c = _mm256_load_ps(zc.0.as_ptr().add(8 * v));
                let s = _mm256_load_ps(zs.0.as_ptr().add(8 * v));
                _mm256_storeu_ps(q.add(16 * v), _mm256_unpacklo_ps(c, s));
                _mm256_storeu_ps(q.add(16 * v + 8), _mm256_unpackhi_ps(c, s));
            }
        }
    }

    /// [`block`](Self::block), split and merged with AVX-512 in-lane shuffles (same values;
    /// the pair order inside the arrays is the AVX2 one per 128-bit lane, which the values
    /// never depend on).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn block_avx512<const P: usize, const W: usize>(&self, x: &[u32; W], o: &mut [f32; W]) {
        use core::arch::x86_64::*;
        let mut w0 = Align64([0u32; P]);
        let mut w1 = Align64([0u32; P]);
        // SAFETY: `W = 2P` with `P` a multiple of 16, so every access below is in bounds;
        // loads and stores of `x` and `o` are unaligned, those of the scratch arrays aligned.
        unsafe {
            let p = x.as_ptr().cast::<f32>();
            for v in 0..P / 16 {
                let a = _mm512_loadu_ps(p.add(32 * v));
                let b = _mm512_loadu_ps(p.add(32 * v + 16));
                _mm512_store_ps(
                    w0.0.as_mut_ptr().add(16 * v).cast(),
                    _mm512_shuffle_ps::<0x88>(a, b),
                );
                _mm512_store_ps(
                    w1.0.as_mut_ptr().add(16 * v).cast(),
                    _mm512_shuffle_ps::<0xdd>(a, b),
                );
            }
            let (zc, zs) = box_muller_n(&w0.0, &w1.0, self.mean, self.std);
            let (zc, zs) = (Align64(zc), Align64(zs));
            let q = o.as_mut_ptr();
            for v in 0..P / 16 {
                let c = _mm512_load_ps(zc.0.as_ptr().add(16 * v));
                let s = _mm512_load_ps(zs.0.as_ptr().add(16 * v));
                _mm512_storeu_ps(q.add(32 * v), _mm512_unpacklo_ps(c, s));
                _mm512_storeu_ps(q.add(32 * v + 16), _mm512_unpackhi_ps(c, s));
            }
        }
    }

    /// Four groups given as split pairs ([`Words::pair_run`]): Box–Muller on the pairs as
    /// they come, then each group's cosines and sines interleaved back into stream order
    /// (pair `i` of block `l` of group `h` writes elements `32h + 4l + 2i` and `+ 1`), which
    /// the producer's lane order makes one in-lane unpack per 16 elements.
    /// Same values as [`block`](Self::block): only the order the pairs are computed in differs.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn pairs_avx512(&self, w0: &[u32; 64], w1: &[u32; 64], o: &mut [f32; 4 * GROUP]) {
        use core::arch::x86_64::*;
        // SAFETY: `[u32; 64]` and `[__m512i; 4]` have the same size; any bits are valid.
        let (w0, w1) = unsafe {
            (
                core::mem::transmute::<[u32; 64], [__m512i; 4]>(*w0),
                core::mem::transmute::<[u32; 64], [__m512i; 4]>(*w1),
            )
        };
        let (mean, std) = (_mm512_set1_ps(self.mean), _mm512_set1_ps(self.std));
        for h in 0..4 {
            let (zc, zs) = box_muller_x16(w0[h], w1[h], mean, std);
            // 128-bit lane k: block k's four elements (unpacklo), block 4 + k's (unpackhi).
            // SAFETY: `32h + 32 <= 128`, the length of `o`; stores are unaligned.
            unsafe {
                let q = o.as_mut_ptr().add(32 * h);
                _mm512_storeu_ps(q, _mm512_unpacklo_ps(zc, zs));
                _mm512_storeu_ps(q.add(16), _mm512_unpackhi_ps(zc, zs));
            }
        }
    }

    /// Two groups given as split pairs ([`Words::pair_run2`]), as
    /// [`pairs_avx512`](Self::pairs_avx512) on 256-bit vectors: pair `i` in lane
    /// `4k + 2c + i` of vector `s` writes elements `16s + 4(k + 2c) + 2i` and `+ 1`.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    #[inline]
    fn pairs_avx2(&self, w0: &[u32; 32], w1: &[u32; 32], o: &mut [f32; 2 * GROUP]) {
        use core::arch::x86_64::*;
        let (zc, zs) = box_muller_n(w0, w1, self.mean, self.std);
        // SAFETY: `[f32; 32]` and `[__m256; 4]` have the same size; any bits are valid.
        let (zc, zs) = unsafe {
            (
                core::mem::transmute::<[f32; 32], [__m256; 4]>(zc),
                core::mem::transmute::<[f32; 32], [__m256; 4]>(zs),
            )
        };
        for s in 0..4 {
            // 128-bit lane k: block k's four elements (unpacklo), block 2 + k's (unpackhi).
            // SAFETY: `16s + 16 <= 64`, the length of `o`; stores are unaligned.
            unsafe {
                let q = o.as_mut_ptr().add(16 * s);
                _mm256_storeu_ps(q, _mm256_unpacklo_ps(zc[s], zs[s]));
                _mm256_storeu_ps(q.add(8), _mm256_unpackhi_ps(zc[s], zs[s]));
            }
        }
    }

    /// Blocks of `W = 2P` words.
    #[inline(always)]
    fn blocks<const P: usize, const W: usize>(&self, w: &[u32], out: &mut [f32], isa: Isa) {
        let (wb, _) = w.as_chunks::<W>();
        let (ob, _) = out.as_chunks_mut::<W>();
        for (o, x) in ob.iter_mut().zip(wb) {
            match isa {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: `isa` is `Avx512` only in the AVX-512 build, which runs only on CPUs
                // with AVX-512F.
                Isa::Avx512 => unsafe { self.block_avx512::<P, W>(x, o) },
                #[cfg(target_arch = "x86_64")]
                // SAFETY: `isa` is `Avx2` only in the AVX2 build, which runs only on AVX2 CPUs.
                Isa::Avx2 => unsafe { self.block_avx2::<P, W>(x, o) },
                _ => self.block::<P, W>(x, o),
            }
        }
    }
}

impl Kernel for NormalK {
    type Out = f32;
    const SHORT: bool = true;
    #[inline(always)]
    fn apply_run<S: Words>(&self, src: &S, g: u64, out: &mut [f32]) {
        #[cfg(target_arch = "x86_64")]
        if S::ISA == Isa::Avx512
            && let Ok(out) = <&mut [f32; 4 * GROUP]>::try_from(&mut *out)
            && let Some((w0, w1)) = src.pair_run(g)
        {
            // SAFETY: `S::ISA` is `Avx512` only for the AVX-512 producer, which runs only on
            // CPUs with AVX-512F.
            return unsafe { self.pairs_avx512(&w0, &w1, out) };
        }
        #[cfg(target_arch = "x86_64")]
        if S::ISA == Isa::Avx2
            && let Ok(out) = <&mut [f32; 2 * GROUP]>::try_from(&mut *out)
            && let Some((w0, w1)) = src.pair_run2(g)
        {
            // SAFETY: `S::ISA` is `Avx2` only for the AVX2 producer, which runs only on CPUs
            // with AVX2.
            return unsafe { self.pairs_avx2(&w0, &w1, out) };
        }
        let x = src.run(g);
        self.apply(&x.as_ref()[..out.len()], out, S::ISA);
    }
    #[inline(always)]
    fn apply(&self, w: &[u32], out: &mut [f32], isa: Isa) {
        // AVX2 and portable: one group per block. (Two groups at once ran ~15% faster with
        // two threads but, on some thread stacks, ~40% slower with one.) AVX-512: two groups
        // per block, two 16-lane vectors per array (3% faster on one thread).
        if isa == Isa::Avx512 && w.len().is_multiple_of(2 * GROUP) {
            return self.blocks::<GROUP, { 2 * GROUP }>(w, out, isa);
        }
        self.blocks::<{ GROUP / 2 }, GROUP>(w, out, isa);
    }
}
