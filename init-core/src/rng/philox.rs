//! Philox4x32-10 (Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as 1, 2, 3",
//! SC'11): a keyed bijection of 128-bit counters, so any block of a stream can be computed
//! alone. [`philox4x32_10`] is the scalar reference; the sampling kernels run eight blocks
//! at a time, portably or with AVX2 intrinsics (each 32×32→64 multiply one `vpmuludq` on
//! 64-bit lanes); all three give the same words (tested).

/// Philox multipliers and Weyl key increments (Random123's `PHILOX_M4x32_*`, `PHILOX_W32_*`).
const M0: u32 = 0xD251_1F53;
const M1: u32 = 0xCD9E_8D57;
const W0: u32 = 0x9E37_79B9;
const W1: u32 = 0xBB67_AE85;
const ROUNDS: u32 = 10;

/// Philox4x32 with 10 rounds of `ctr` under `key`, as Random123's `philox4x32_R(10, ctr,
/// key)`: each round multiplies words 0 and 2 by `M0`, `M1` (32×32→64), mixes the high
/// halves with words 3 and 1 and the round key, and the key is bumped by the Weyl constants
/// before rounds 2 to 10.
pub(crate) fn philox4x32_10(ctr: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let mut c = ctr;
    for r in 0..ROUNDS {
        let k0 = key[0].wrapping_add(r.wrapping_mul(W0));
        let k1 = key[1].wrapping_add(r.wrapping_mul(W1));
        let p0 = u64::from(M0) * u64::from(c[0]);
        let p1 = u64::from(M1) * u64::from(c[2]);
        c = [
            ((p1 >> 32) as u32) ^ c[1] ^ k0,
            p1 as u32,
            ((p0 >> 32) as u32) ^ c[3] ^ k1,
            p0 as u32,
        ];
    }
    c
}

/// Eight consecutive Philox4x32-10 blocks: lane `l` has counter
/// `[first[0] + l, first[1], first[2], first[3]]` (`first[0]` a multiple of 8, so word 0
/// never carries), and the result is `x[j][l]` = word `j` of lane `l`. Portable form.
#[inline(always)]
pub(crate) fn philox4x32_10_x8(first: [u32; 4], key: [u32; 2]) -> [[u32; 8]; 4] {
    let mut c0: [u32; 8] = core::array::from_fn(|l| first[0] | l as u32);
    let mut c1 = [first[1]; 8];
    let mut c2 = [first[2]; 8];
    let mut c3 = [first[3]; 8];
    for r in 0..ROUNDS {
        let k0 = key[0].wrapping_add(r.wrapping_mul(W0));
        let k1 = key[1].wrapping_add(r.wrapping_mul(W1));
        for l in 0..8 {
            let p0 = u64::from(M0) * u64::from(c0[l]);
            let p1 = u64::from(M1) * u64::from(c2[l]);
            c0[l] = ((p1 >> 32) as u32) ^ c1[l] ^ k0;
            c1[l] = p1 as u32;
            c2[l] = ((p0 >> 32) as u32) ^ c3[l] ^ k1;
            c3[l] = p0 as u32;
        }
    }
    [c0, c1, c2, c3]
}

/// The AVX2 form of [`philox4x32_10_x8`], returning the words in stream order.
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2 {
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
        let m0 = _mm256_set1_epi64x(i64::from(M0));
        let m1 = _mm256_set1_epi64x(i64::from(M1));
        let [f, g] = first;
        let (bf, bg) = (i64::from(f[0]), i64::from(g[0]));
        let mut a0 = _mm256_setr_epi64x(bf, bf | 1, bf | 2, bf | 3);
        let mut b0 = _mm256_setr_epi64x(bf | 4, bf | 5, bf | 6, bf | 7);
        let mut c0 = _mm256_setr_epi64x(bg, bg | 1, bg | 2, bg | 3);
        let mut d0 = _mm256_setr_epi64x(bg | 4, bg | 5, bg | 6, bg | 7);
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
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known-answer vectors of Random123 (D. E. Shaw Research), file `tests/kat_vectors`,
    /// the three `philox4x32 10` lines (columns: counter[4], key[2], expected[4]):
    ///
    /// ```text
    /// philox4x32 10 00000000 00000000 00000000 00000000 00000000 00000000   6627e8d5 e169c58d bc57ac4c 9b00dbd8
    /// philox4x32 10 ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff   408f276d 41c83b0e a20bc7c6 6d5451fd
    /// philox4x32 10 243f6a88 85a308d3 13198a2e 03707344 a4093822 299f31d0   d16cfe09 94fdcceb 5001e420 24126ea1
    /// ```
    ///
    /// (github.com/DEShawResearch/random123; the same lines appear verbatim in several
    /// independent ports' test suites, which is where they were read from here.)
    const KAT: [([u32; 4], [u32; 2], [u32; 4]); 3] = [
        ([0; 4], [0; 2], [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8]),
        ([u32::MAX; 4], [u32::MAX; 2], [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd]),
        (
            [0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344],
            [0xa409_3822, 0x299f_31d0],
            [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1],
        ),
    ];

    #[test]
    fn known_answers() {
        for (ctr, key, want) in KAT {
            assert_eq!(philox4x32_10(ctr, key), want);
        }
    }

    #[test]
    fn eight_lanes_match_scalar() {
        for (ctr, key, _) in KAT {
            let first = [ctr[0] & !7, ctr[1], ctr[2], ctr[3]];
            let out = philox4x32_10_x8(first, key);
            #[cfg(target_arch = "x86_64")]
            if std::is_x86_feature_detected!("avx2") {
                // SAFETY: AVX2 is available (checked just above).
                let fast = unsafe { avx2::philox4x32_10_x16(&avx2::schedule(key), [first, first]) };
                let ordered: [u32; 64] = core::array::from_fn(|i| out[i % 4][(i / 4) % 8]);
                assert_eq!(fast, ordered);
            }
            for l in 0..8u32 {
                let got = out.map(|word| word[l as usize]);
                assert_eq!(got, philox4x32_10([first[0] | l, first[1], first[2], first[3]], key));
            }
        }
    }
}
