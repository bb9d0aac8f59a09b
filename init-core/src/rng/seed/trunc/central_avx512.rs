//! The truncated normal's central pass in AVX-512 registers: for 256 lanes, each lane's
//! probability and AS 241's central quantile, finished into the output, with the indices of
//! the tail lanes (`p < 0.075`, which the tail pass overwrites) compacted on the way.
//!
//! The operations per lane are those of [`TruncK::prob_k`], [`ppnd_central`] and
//! [`TruncK::finish_signed`], in the same order, so the values are the same bit for bit
//! (nothing fused). What differs is the schedule: eight vectors of eight lanes go through
//! every step together, all in registers (the portable form's arrays went through the stack
//! and its loop bodies left the CPU waiting on each lane's ~50-cycle chain), and the tail
//! lanes are found from the `q = p − ½` already in a register instead of a second pass over
//! stored probabilities.
//!
//! [`ppnd_central`]: crate::math::ppnd_central

use std::arch::x86_64::*;

use super::{PASS, TruncK};
use crate::math::{CENTRAL_DEN, CENTRAL_NUM};

/// Vectors of eight lanes that go through each step together.
const U: usize = 8;

/// AS 241's central rational `c₀ + c₁t + … + c₇t⁷` by the Estrin scheme of `estrin7`
/// (`(c₀ + c₁t) + t²(c₂ + c₃t)`, the same for `c₄…c₇`, then `lo + t⁴·hi`), on `U` vectors.
#[target_feature(enable = "avx512f")]
#[inline]
fn estrin7_x8(
    c: &[f64; 8],
    t: &[__m512d; U],
    t2: &[__m512d; U],
    t4: &[__m512d; U],
) -> [__m512d; U] {
    let k = |i: usize| _mm512_set1_pd(c[i]);
    let pair = |a: usize, t: __m512d| _mm512_add_pd(k(a), _mm512_mul_pd(k(a + 1), t));
    core::array::from_fn(|v| {
        let lo = _mm512_add_pd(pair(0, t[v]), _mm512_mul_pd(t2[v], pair(2, t[v])));
        let hi = _mm512_add_pd(pair(4, t[v]), _mm512_mul_pd(t2[v], pair(6, t[v])));
        _mm512_add_pd(lo, _mm512_mul_pd(t4[v], hi))
    })
}

impl TruncK {
    /// The central pass over one pass's `w` into `out`, writing the tail lanes' indices to
    /// `idx` (in order; `idx` has room for the overshoot of the last store). Returns how many
    /// tail lanes there are. Same values as the portable central pass and
    /// [`tail_indices`](super::tail_indices).
    ///
    /// # Safety
    /// The CPU must support AVX-512 F, DQ, BW and VL and POPCNT.
    #[target_feature(enable = "avx512f,avx512dq,avx512bw,avx512vl,popcnt")]
    #[inline]
    pub(super) unsafe fn central_avx512<const SCALED: bool>(
        &self,
        w: &[u32; PASS],
        out: &mut [f32; PASS],
        idx: &mut [u16; PASS + 16],
    ) -> usize {
        let set = _mm512_set1_pd;
        let sstd = self.sign * self.std;
        let (c0, c1s, split, qb, s) =
            (set(self.c0), set(self.c1s), set(self.split), set(self.qb), set(self.s));
        let (half, top) = (set(0.5), set(4_294_967_296.0 - 0.5));
        let (mean, lo, hi) = (set(self.mean), _mm256_set1_ps(self.lo), _mm256_set1_ps(self.hi));
        let iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        let mut m = 0usize;
        let (wc, oc) = (w.as_chunks::<{ 8 * U }>().0, out.as_chunks_mut::<{ 8 * U }>().0);
        for (c, (w, out)) in wc.iter().zip(oc).enumerate() {
            // SAFETY: `[u32; 8U]` and `[__m256i; U]` have the same size; any bits are valid.
            let w = unsafe { core::mem::transmute::<[u32; 8 * U], [__m256i; U]>(*w) };
            let wf: [__m512d; U] = core::array::from_fn(|v| _mm512_cvtepu32_pd(w[v]));
            // prob_k: pn = c0 + (w + ½)·c1s, the upper branch where pn > split.
            let pn: [__m512d; U] = core::array::from_fn(|v| {
                _mm512_add_pd(c0, _mm512_mul_pd(_mm512_add_pd(wf[v], half), c1s))
            });
            let upper: [__mmask8; U] =
                core::array::from_fn(|v| _mm512_cmp_pd_mask::<_CMP_GT_OQ>(pn[v], split));
            let qn: [__m512d; U] = core::array::from_fn(|v| {
                _mm512_add_pd(qb, _mm512_mul_pd(_mm512_sub_pd(top, wf[v]), c1s))
            });
            let p: [__m512d; U] = core::array::from_fn(|v| {
                let lower = if SCALED { _mm512_mul_pd(pn[v], s) } else { pn[v] };
                _mm512_mask_blend_pd(upper[v], lower, qn[v])
            });
            let sg: [__m512d; U] =
                core::array::from_fn(|v| _mm512_mask_blend_pd(upper[v], set(sstd), set(-sstd)));
            // ppnd_central(p − ½); the tail lanes are those with q < −0.425 (or NaN).
            let q: [__m512d; U] = core::array::from_fn(|v| _mm512_sub_pd(p[v], half));
            for h in 0..U / 2 {
                let central = |v: usize| _mm512_cmp_pd_mask::<_CMP_GE_OQ>(q[v], set(-0.425));
                let tail = !(u16::from(central(2 * h)) | u16::from(central(2 * h + 1)) << 8);
                let base = (8 * U * c + 16 * h) as i32;
                let pos = _mm512_add_epi32(iota, _mm512_set1_epi32(base));
                let packed = _mm512_cvtepi32_epi16(_mm512_maskz_compress_epi32(tail, pos));
                let m16 = m.min(PASS);
                // SAFETY: `m16 + 16 <= PASS + 16`, the length of `idx`; the store is unaligned.
                unsafe { _mm256_storeu_si256(idx.as_mut_ptr().add(m16).cast(), packed) };
                m = m16 + tail.count_ones() as usize;
            }
            let t: [__m512d; U] =
                core::array::from_fn(|v| _mm512_sub_pd(set(0.180_625), _mm512_mul_pd(q[v], q[v])));
            let t2: [__m512d; U] = core::array::from_fn(|v| _mm512_mul_pd(t[v], t[v]));
            let t4: [__m512d; U] = core::array::from_fn(|v| _mm512_mul_pd(t2[v], t2[v]));
            let num = estrin7_x8(&CENTRAL_NUM, &t, &t2, &t4);
            let den = estrin7_x8(&CENTRAL_DEN, &t, &t2, &t4);
            for v in 0..U {
                let x = _mm512_div_pd(_mm512_mul_pd(q[v], num[v]), den[v]);
                // finish_signed: mean + x·sstd in f64, to f32, then the selects
                // `y < lo ? lo : y` and `y > hi ? hi : y` (max/min with the bound first).
                let y = _mm512_cvtpd_ps(_mm512_add_pd(mean, _mm512_mul_pd(x, sg[v])));
                let y = _mm256_min_ps(hi, _mm256_max_ps(lo, y));
                // SAFETY: `8v + 8 <= 8U`, the length of `out`; the store is unaligned.
                unsafe { _mm256_storeu_ps(out.as_mut_ptr().add(8 * v), y) };
            }
        }
        m.min(PASS)
    }
}
