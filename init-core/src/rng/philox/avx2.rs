//! The AVX2 form of [`philox4x32_10_x8`](super::philox4x32_10_x8), returning the words in
//! stream order.

use std::arch::x86_64::*;

use super::{M0, M1, ROUNDS, W0, W1};

/// The ten round keys of one key, each word broadcast to four 64-bit lanes
/// (`[k0 of round 0, k1 of round 0, k0 of round 1, …]`).
pub(crate) struct Schedule([__m256i; 2 * ROUNDS as usize]);

/// The round keys of `key`.
#[target_feature(enable = "avx2")]
#[inline]
pub(crate) fn schedule(key: [u32; 2]) -> Schedule {
    let mut k = [_mm256_setzero_si256(); 2 * ROUNDS as usize];
    for r in 0..ROUNDS {
        let k0 = key[0].wrapping_add(r.wrapping_mul(W0));
        let k1 = key[1].wrapping_add(r.wrapping_mul(W1));
        k[2 * r as usize] = _mm256_set1_epi64x(i64::from(k0));
        k[2 * r as usize + 1] = _mm256_set1_epi64x(i64::from(k1));
    }
    Schedule(k)
}

/// The rounds of [`rounds`] as a macro, expanded inline where the state should stay in
/// registers ([`philox4x32_10_x16`]); only inside `avx2` functions.
macro_rules! rounds_inline {
    ($ks:expr, $first:expr, $order:expr) => {{
        let (ks, first): (&Schedule, [[u32; 4]; 2]) = ($ks, $first);
        let [o0, o1, o2, o3]: [i64; 4] = $order;
        let m0 = _mm256_set1_epi64x(i64::from(M0));
        let m1 = _mm256_set1_epi64x(i64::from(M1));
        let [f, g] = first;
        let (bf, bg) = (i64::from(f[0]), i64::from(g[0]));
        let mut a0 = _mm256_setr_epi64x(bf | o0, bf | o1, bf | o2, bf | o3);
        let mut b0 = _mm256_setr_epi64x(bf | o0 | 4, bf | o1 | 4, bf | o2 | 4, bf | o3 | 4);
        let mut c0 = _mm256_setr_epi64x(bg | o0, bg | o1, bg | o2, bg | o3);
        let mut d0 = _mm256_setr_epi64x(bg | o0 | 4, bg | o1 | 4, bg | o2 | 4, bg | o3 | 4);
        let mut a1 = _mm256_set1_epi64x(i64::from(f[1]));
        let mut a2 = _mm256_set1_epi64x(i64::from(f[2]));
        let mut a3 = _mm256_set1_epi64x(i64::from(f[3]));
        let (mut b1, mut b2, mut b3) = (a1, a2, a3);
        let mut c1 = _mm256_set1_epi64x(i64::from(g[1]));
        let mut c2 = _mm256_set1_epi64x(i64::from(g[2]));
        let mut c3 = _mm256_set1_epi64x(i64::from(g[3]));
        let (mut d1, mut d2, mut d3) = (c1, c2, c3);
        macro_rules! set_round {
            ($x0:ident, $x1:ident, $x2:ident, $x3:ident, $k0:ident, $k1:ident) => {{
                let p0 = _mm256_mul_epu32($x0, m0);
                let p1 = _mm256_mul_epu32($x2, m1);
                $x0 = _mm256_xor_si256(_mm256_srli_epi64::<32>(p1), _mm256_xor_si256($x1, $k0));
                $x2 = _mm256_xor_si256(_mm256_srli_epi64::<32>(p0), _mm256_xor_si256($x3, $k1));
                $x1 = p1;
                $x3 = p0;
            }};
        }
        macro_rules! round {
            ($r:expr) => {{
                let (k0, k1) = (ks.0[2 * $r], ks.0[2 * $r + 1]);
                set_round!(a0, a1, a2, a3, k0, k1);
                set_round!(b0, b1, b2, b3, k0, k1);
                set_round!(c0, c1, c2, c3, k0, k1);
                set_round!(d0, d1, d2, d3, k0, k1);
            }};
        }
        round!(0);
        round!(1);
        round!(2);
        round!(3);
        round!(4);
        round!(5);
        round!(6);
        round!(7);
        round!(8);
        round!(9);
        [[a0, a1, a2, a3], [b0, b1, b2, b3], [c0, c1, c2, c3], [d0, d1, d2, d3]]
    }};
}

/// The 64-bit-lane state of four sets of four blocks after the ten rounds: sets 0 and 1
/// hold blocks `0..4` and `4..8` from counter `first[0]`, sets 2 and 3 those from
/// `first[1]`; `x[s][j]` holds word `j` of the set's blocks, one block per 64-bit lane, in
/// the lane's low half (the high halves carry garbage that `vpmuludq` ignores). Lane `j` of
/// a set holds its block `[0, 2, 1, 3][j]`: a 128-bit lane pairs blocks `k` and `2 + k`, so
/// that a consumer's in-lane unpacks of its results come out in stream order.
///
/// Out of line on purpose: inlined into the normal kernel, whose Box–Muller needs the
/// registers too, it measured 10% slower (spills).
#[target_feature(enable = "avx2")]
#[inline(never)]
fn rounds(ks: &Schedule, first: [[u32; 4]; 2]) -> [[__m256i; 4]; 4] {
    rounds_inline!(ks, first, [0, 2, 1, 3])
}

/// Sixteen blocks: eight consecutive ones from each counter of `first` (whose word 0 is a
/// multiple of 8), as two groups of 32 words in stream order (`32h + 4l + j` = word `j`
/// of block `l` of half `h`).
///
/// The blocks ride as four sets of four 64-bit lanes, one 32-bit word in each lane's low
/// half (the high halves carry garbage that `vpmuludq` ignores), so each 32×32→64 multiply
/// is one `vpmuludq` and the rounds need no shuffles; four independent sets hide the
/// multiply latency. Shuffles at the end put the words in order.
#[target_feature(enable = "avx2")]
#[inline]
pub(crate) fn philox4x32_10_x16(ks: &Schedule, first: [[u32; 4]; 2]) -> [u32; 64] {
    let [[a0, a1, a2, a3], [b0, b1, b2, b3], [c0, c1, c2, c3], [d0, d1, d2, d3]] =
        rounds_inline!(ks, first, [0, 1, 2, 3]);
    // Per set: (w0, w1) and (w2, w3) pairs as 64-bit lanes, then interleave blocks.
    macro_rules! ordered {
        ($x0:expr, $x1:expr, $x2:expr, $x3:expr) => {{
            let p01 = _mm256_blend_epi32::<0b1010_1010>($x0, _mm256_slli_epi64::<32>($x1));
            let p23 = _mm256_blend_epi32::<0b1010_1010>($x2, _mm256_slli_epi64::<32>($x3));
            let even = _mm256_unpacklo_epi64(p01, p23); // block 0 | block 2
            let odd = _mm256_unpackhi_epi64(p01, p23); // block 1 | block 3
            (
                _mm256_permute2x128_si256::<0x20>(even, odd),
                _mm256_permute2x128_si256::<0x31>(even, odd),
            )
        }};
    }
    let (e0, e1) = ordered!(a0, a1, a2, a3);
    let (e2, e3) = ordered!(b0, b1, b2, b3);
    let (e4, e5) = ordered!(c0, c1, c2, c3);
    let (e6, e7) = ordered!(d0, d1, d2, d3);
    // SAFETY: `[__m256i; 8]` and `[u32; 64]` have the same size and every bit pattern is
    // a valid `u32`.
    unsafe { core::mem::transmute::<[__m256i; 8], [u32; 64]>([e0, e1, e2, e3, e4, e5, e6, e7]) }
}

/// The same sixteen blocks as [`philox4x32_10_x16`], as the word pairs `(2k, 2k + 1)` of the
/// stream split into first and second words, for kernels that consume pairs (Box–Muller):
/// lane `4k + 2c + i` of vector `s` of `firsts` and of `seconds` holds words `4l + 2i` and
/// `4l + 2i + 1` of group `s / 2`, with `l = 4(s mod 2) + k + 2c` (pair `i` of that block;
/// `k, c, i < 2`). One shift and one blend per 8 words, where the stream order takes four
/// shuffles; a consumer's in-lane unpacks of its results give elements in stream order.
#[target_feature(enable = "avx2")]
#[inline]
pub(crate) fn philox4x32_10_x16_pairs(
    ks: &Schedule,
    first: [[u32; 4]; 2],
) -> ([u32; 32], [u32; 32]) {
    let x = rounds(ks, first);
    let pair = |lo: __m256i, hi: __m256i| {
        _mm256_blend_epi32::<0b1010_1010>(lo, _mm256_slli_epi64::<32>(hi))
    };
    let firsts = x.map(|[x0, _, x2, _]| pair(x0, x2));
    let seconds = x.map(|[_, x1, _, x3]| pair(x1, x3));
    // SAFETY: `[__m256i; 4]` and `[u32; 32]` have the same size and every bit pattern is a
    // valid `u32`.
    unsafe {
        (
            core::mem::transmute::<[__m256i; 4], [u32; 32]>(firsts),
            core::mem::transmute::<[__m256i; 4], [u32; 32]>(seconds),
        )
    }
}
