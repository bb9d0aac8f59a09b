//! The AVX-512 form of [`philox4x32_10_x8`](super::philox4x32_10_x8): four groups of eight
//! blocks (32 blocks, 128 words) per call, returning the words in stream order.
//!
//! The layout is the AVX2 one ([`super::avx2`]) at twice the width: each block rides in a
//! 64-bit lane with one 32-bit word in the lane's low half, so every 32×32→64 multiply is one
//! `vpmuludq` (`_mm512_mul_epu32`, which reads only the low halves) and the rounds need no
//! shuffles. AVX-512 adds `vpternlogq`, which does each round's three-way XOR
//! (`hi(p) ^ x ^ k`) in one instruction instead of two: 6 instructions per set and round
//! instead of 8. Four independent sets (one per group) hide the multiply latency.

use std::arch::x86_64::*;

use super::{M0, M1, ROUNDS, W0, W1};

/// The ten round keys of one key as 64-bit values (`[k0 of round 0, k1 of round 0, k0 of
/// round 1, …]`), broadcast to all lanes where used.
pub(crate) struct Schedule([u64; 2 * ROUNDS as usize]);

/// The round keys of `key`.
#[inline]
pub(crate) fn schedule(key: [u32; 2]) -> Schedule {
    let mut k = [0u64; 2 * ROUNDS as usize];
    for r in 0..ROUNDS {
        k[2 * r as usize] = u64::from(key[0].wrapping_add(r.wrapping_mul(W0)));
        k[2 * r as usize + 1] = u64::from(key[1].wrapping_add(r.wrapping_mul(W1)));
    }
    Schedule(k)
}

/// The 64-bit-lane state of four sets of eight blocks after the ten rounds: `x[h][j]`
/// holds word `j` of blocks `0..8` of set `h` (counter `first[h]` onwards), one block per
/// 64-bit lane, in the lane's low half (the high half is garbage); lane `j` holds block
/// `order[j]` (a permutation of `0..8`).
#[target_feature(enable = "avx512f")]
#[inline]
fn rounds(ks: &Schedule, first: [[u32; 4]; 4], order: __m512i) -> [[__m512i; 4]; 4] {
    let m0 = _mm512_set1_epi64(i64::from(M0));
    let m1 = _mm512_set1_epi64(i64::from(M1));
    let ctr = |f: [u32; 4]| {
        let w = |j: usize| _mm512_set1_epi64(i64::from(f[j]));
        (_mm512_or_si512(w(0), order), w(1), w(2), w(3))
    };
    let (mut a0, mut a1, mut a2, mut a3) = ctr(first[0]);
    let (mut b0, mut b1, mut b2, mut b3) = ctr(first[1]);
    let (mut c0, mut c1, mut c2, mut c3) = ctr(first[2]);
    let (mut d0, mut d1, mut d2, mut d3) = ctr(first[3]);
    macro_rules! set_round {
        ($x0:ident, $x1:ident, $x2:ident, $x3:ident, $k0:ident, $k1:ident) => {{
            let p0 = _mm512_mul_epu32($x0, m0);
            let p1 = _mm512_mul_epu32($x2, m1);
            // 0x96: a ^ b ^ c.
            $x0 = _mm512_ternarylogic_epi64::<0x96>(_mm512_srli_epi64::<32>(p1), $x1, $k0);
            $x2 = _mm512_ternarylogic_epi64::<0x96>(_mm512_srli_epi64::<32>(p0), $x3, $k1);
            $x1 = p1;
            $x3 = p0;
        }};
    }
    for r in 0..ROUNDS as usize {
        let k0 = _mm512_set1_epi64(ks.0[2 * r] as i64);
        let k1 = _mm512_set1_epi64(ks.0[2 * r + 1] as i64);
        set_round!(a0, a1, a2, a3, k0, k1);
        set_round!(b0, b1, b2, b3, k0, k1);
        set_round!(c0, c1, c2, c3, k0, k1);
        set_round!(d0, d1, d2, d3, k0, k1);
    }
    [[a0, a1, a2, a3], [b0, b1, b2, b3], [c0, c1, c2, c3], [d0, d1, d2, d3]]
}

/// Thirty-two blocks: eight consecutive ones from each counter of `first` (whose word 0 is a
/// multiple of 8), as four groups of 32 words in stream order (`32h + 4l + j` = word `j` of
/// block `l` of group `h`).
#[target_feature(enable = "avx512f")]
#[inline]
pub(crate) fn philox4x32_10_x32(ks: &Schedule, first: [[u32; 4]; 4]) -> [u32; 128] {
    let [[a0, a1, a2, a3], [b0, b1, b2, b3], [c0, c1, c2, c3], [d0, d1, d2, d3]] =
        rounds(ks, first, _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7));
    let lo = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11);
    let hi = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);
    // Per set: (w0, w1) and (w2, w3) pairs as 64-bit lanes (a masked in-pair swap puts
    // word 1's low half above word 0's), then blocks 2k | 2k+1 per 128-bit lane, then the
    // 128-bit lanes in block order.
    macro_rules! ordered {
        ($x0:expr, $x1:expr, $x2:expr, $x3:expr) => {{
            let p01 = _mm512_mask_shuffle_epi32::<0xB1>($x0, 0xAAAA, $x1);
            let p23 = _mm512_mask_shuffle_epi32::<0xB1>($x2, 0xAAAA, $x3);
            let even = _mm512_unpacklo_epi64(p01, p23); // blocks 0 | 2 | 4 | 6
            let odd = _mm512_unpackhi_epi64(p01, p23); // blocks 1 | 3 | 5 | 7
            (_mm512_permutex2var_epi64(even, lo, odd), _mm512_permutex2var_epi64(even, hi, odd))
        }};
    }
    let (e0, e1) = ordered!(a0, a1, a2, a3);
    let (e2, e3) = ordered!(b0, b1, b2, b3);
    let (e4, e5) = ordered!(c0, c1, c2, c3);
    let (e6, e7) = ordered!(d0, d1, d2, d3);
    // SAFETY: `[__m512i; 8]` and `[u32; 128]` have the same size and every bit pattern is a
    // valid `u32`.
    unsafe { core::mem::transmute::<[__m512i; 8], [u32; 128]>([e0, e1, e2, e3, e4, e5, e6, e7]) }
}

/// [`philox4x32_10_x32`] stored straight into `out` (returned by value, the words went
/// through the stack and a `memmove`: 3 % of a truncated-normal fill).
#[target_feature(enable = "avx512f")]
#[inline]
pub(crate) fn philox4x32_10_x32_into(ks: &Schedule, first: [[u32; 4]; 4], out: &mut [u32; 128]) {
    let words = philox4x32_10_x32(ks, first);
    // SAFETY: `[u32; 128]` and `[__m512i; 8]` have the same size; any bits are valid.
    let v = unsafe { core::mem::transmute::<[u32; 128], [__m512i; 8]>(words) };
    for (k, v) in v.into_iter().enumerate() {
        // SAFETY: `16k + 16 <= 128`, the length of `out`; the store is unaligned.
        unsafe { _mm512_storeu_si512(out.as_mut_ptr().add(16 * k).cast(), v) };
    }
}

/// The same thirty-two blocks as [`philox4x32_10_x32`], as the word pairs `(2k, 2k + 1)` of
/// the stream split into first and second words, for kernels that consume pairs (Box–Muller):
/// `firsts[16h + 4k + 2c + i]` and `seconds[…]` are words `4l + 2i` and `4l + 2i + 1` of
/// group `h`, `l = k + 4c` (pair `i` of block `l`; `k < 4`, `c, i < 2`). One masked shuffle
/// per 16 words, where the stream order takes three; and a consumer's in-lane unpack of
/// its results by `firsts` lane gives elements in stream order (`unpacklo` the block `k`
/// quartets, `unpackhi` the block `4 + k` ones).
#[target_feature(enable = "avx512f")]
#[inline]
pub(crate) fn philox4x32_10_x32_pairs(
    ks: &Schedule,
    first: [[u32; 4]; 4],
) -> ([u32; 64], [u32; 64]) {
    // Blocks k and 4 + k share 128-bit lane k, so that a consumer's in-lane unpacks of its
    // results come out in stream order.
    let x = rounds(ks, first, _mm512_setr_epi64(0, 4, 1, 5, 2, 6, 3, 7));
    // Word 2 of each block above word 0 in its 64-bit lane (a masked in-pair swap), and word
    // 3 above word 1.
    let firsts = x.map(|[x0, _, x2, _]| _mm512_mask_shuffle_epi32::<0xB1>(x0, 0xAAAA, x2));
    let seconds = x.map(|[_, x1, _, x3]| _mm512_mask_shuffle_epi32::<0xB1>(x1, 0xAAAA, x3));
    // SAFETY: `[__m512i; 4]` and `[u32; 64]` have the same size and every bit pattern is a
    // valid `u32`.
    unsafe {
        (
            core::mem::transmute::<[__m512i; 4], [u32; 64]>(firsts),
            core::mem::transmute::<[__m512i; 4], [u32; 64]>(seconds),
        )
    }
}
