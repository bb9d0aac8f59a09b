//! Philox4x32-10 (Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as 1, 2, 3",
//! SC'11): a keyed bijection of 128-bit counters, so any block of a stream can be computed
//! alone. [`philox4x32_10`] is the scalar reference; the sampling kernels run eight blocks
//! at a time portably, sixteen with AVX2 intrinsics ([`avx2`]) or thirty-two with AVX-512
//! ([`avx512`]), each 32×32→64 multiply one `vpmuludq` on 64-bit lanes; all of them give
//! the same words (tested).

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
pub(crate) mod avx2;

/// The AVX-512 form: 32 blocks in flight, same words.
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512;

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
            #[cfg(target_arch = "x86_64")]
            if std::is_x86_feature_detected!("avx512f") {
                // SAFETY: AVX-512F is available (checked just above).
                let wide = unsafe { avx512::philox4x32_10_x32(&avx512::schedule(key), [first; 4]) };
                let ordered: [u32; 128] = core::array::from_fn(|i| out[i % 4][(i / 4) % 8]);
                assert_eq!(wide, ordered);
            }
            for l in 0..8u32 {
                let got = out.map(|word| word[l as usize]);
                assert_eq!(got, philox4x32_10([first[0] | l, first[1], first[2], first[3]], key));
            }
        }
    }

    /// Four groups with unrelated counters (word 0 near its wrap, words 1 to 3 arbitrary)
    /// under several keys: the AVX-512 form against the portable one, group by group.
    #[test]
    fn thirty_two_lanes_match_eight() {
        #[cfg(target_arch = "x86_64")]
        {
            if !std::is_x86_feature_detected!("avx512f") {
                eprintln!("skipped: this CPU has no AVX-512F, the AVX-512 Philox cannot run");
                return;
            }
            let mut x = 0x1234_5678_9abc_def0u64;
            let mut next = || {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u32
            };
            for _ in 0..200 {
                let key = [next(), next()];
                let first: [[u32; 4]; 4] = core::array::from_fn(|h| {
                    [(next() | (0xffff_fff0 * (h as u32 & 1))) & !7, next(), next(), next()]
                });
                // SAFETY: AVX-512F is available (checked above).
                let wide = unsafe { avx512::philox4x32_10_x32(&avx512::schedule(key), first) };
                for (h, f) in first.into_iter().enumerate() {
                    let out = philox4x32_10_x8(f, key);
                    let want: [u32; 32] = core::array::from_fn(|i| out[i % 4][i / 4]);
                    assert_eq!(wide[32 * h..32 * h + 32], want, "group {h}, key {key:?}");
                }
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        eprintln!("skipped: AVX-512 exists only on x86-64");
    }
}
