//! CRC-32 (IEEE 802.3, the zip format's), so that checking every entry of a file costs a
//! fraction of reading it: on x86-64 with carry-less multiplication (PCLMULQDQ, checked at
//! run time), 64 bytes per step folded into 128-bit remainders (the method of Intel's "Fast
//! CRC Computation for Generic Polynomials Using PCLMULQDQ"); elsewhere and for the last
//! bytes, by tables, sixteen bytes per step ("slicing by 16"). Same value either way.

/// `TABLES[0]` is the byte table of the reflected polynomial `0xEDB88320`; `TABLES[k][b]` is
/// the CRC of byte `b` followed by `k` zero bytes. Built at compile time.
const TABLES: [[u32; 256]; 16] = {
    let mut t = [[0u32; 256]; 16];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        t[0][i] = c;
        i += 1;
    }
    let mut k = 1;
    while k < 16 {
        let mut i = 0;
        while i < 256 {
            let prev = t[k - 1][i];
            t[k][i] = (prev >> 8) ^ t[0][(prev & 0xff) as usize];
            i += 1;
        }
        k += 1;
    }
    t
};

/// A running CRC-32.
#[derive(Clone, Copy)]
pub(super) struct Crc32(u32);

impl Crc32 {
    pub fn new() -> Self {
        Crc32(!0)
    }

    pub fn update(&mut self, bytes: &[u8]) {
        #[cfg(target_arch = "x86_64")]
        let bytes = {
            let folded = bytes.len() / 64 * 64;
            if folded >= 128 && std::is_x86_feature_detected!("pclmulqdq") {
                // SAFETY: the CPU has PCLMULQDQ (checked above); SSE2 is part of x86-64.
                let rest = unsafe { clmul::fold(self.0, &bytes[..folded]) };
                self.0 = 0;
                self.by_table(&rest);
                &bytes[folded..]
            } else {
                bytes
            }
        };
        self.by_table(bytes);
    }

    /// Sixteen bytes per step by the tables, then byte by byte.
    fn by_table(&mut self, bytes: &[u8]) {
        let t = &TABLES;
        let mut c = self.0;
        let (blocks, rest) = bytes.as_chunks::<16>();
        for b in blocks {
            let x = c ^ u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            c = t[15][(x & 0xff) as usize]
                ^ t[14][((x >> 8) & 0xff) as usize]
                ^ t[13][((x >> 16) & 0xff) as usize]
                ^ t[12][(x >> 24) as usize];
            for (j, &byte) in b[4..].iter().enumerate() {
                c ^= t[11 - j][usize::from(byte)];
            }
        }
        for &b in rest {
            c = t[0][((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8);
        }
        self.0 = c;
    }

    pub fn finish(self) -> u32 {
        !self.0
    }
}

/// Folding by carry-less multiplication. The CRC register is linear in the message, so the
/// message's leading blocks can be replaced by any 128-bit value congruent to them modulo the
/// polynomial at the same place: four lanes of 16 bytes each are carried 64 bytes forward at
/// a time (multiplied by x^(512 +- 32) mod P), then folded into one lane (x^(128 +- 32) mod P),
/// whose 16 bytes are left to the tables. Constants: the bit-reflected remainders for
/// P = 0x104C11DB7, as published with the method.
#[cfg(target_arch = "x86_64")]
mod clmul {
    use std::arch::x86_64::{
        __m128i, _mm_clmulepi64_si128, _mm_loadu_si128, _mm_set_epi64x, _mm_storeu_si128,
        _mm_xor_si128,
    };

    /// x^(4*128+32) and x^(4*128-32) mod P, reflected: carry a lane 64 bytes forward.
    const BY_64: (i64, i64) = (0x1_5444_2bd4, 0x1_c6e4_1596);
    /// x^(128+32) and x^(128-32) mod P, reflected: carry a lane 16 bytes forward.
    const BY_16: (i64, i64) = (0x1_7519_97d0, 0x0_ccaa_009e);

    /// `a` carried forward by the distance `k` stands for.
    #[target_feature(enable = "pclmulqdq")]
    fn carry(a: __m128i, k: __m128i) -> __m128i {
        _mm_xor_si128(_mm_clmulepi64_si128::<0x00>(a, k), _mm_clmulepi64_si128::<0x11>(a, k))
    }

    /// 16 bytes whose CRC from a zero register is the CRC of `data` from register `crc`.
    /// `data` is a whole number of 64-byte blocks, at least two.
    ///
    /// # Safety
    /// The CPU must have PCLMULQDQ.
    #[target_feature(enable = "pclmulqdq")]
    pub(super) unsafe fn fold(crc: u32, data: &[u8]) -> [u8; 16] {
        let load = |b: &[u8; 16]| {
            // SAFETY: `b` is 16 readable bytes; the load is unaligned.
            unsafe { _mm_loadu_si128(b.as_ptr().cast::<__m128i>()) }
        };
        let (blocks, _) = data.as_chunks::<64>();
        let lanes = |b: &[u8; 64]| {
            let (l, _) = b.as_chunks::<16>();
            [load(&l[0]), load(&l[1]), load(&l[2]), load(&l[3])]
        };
        let mut acc = lanes(&blocks[0]);
        // The register enters as if xored into the first four bytes.
        acc[0] = _mm_xor_si128(acc[0], _mm_set_epi64x(0, i64::from(crc)));
        let by_64 = _mm_set_epi64x(BY_64.1, BY_64.0);
        for b in &blocks[1..] {
            let next = lanes(b);
            for (a, n) in acc.iter_mut().zip(next) {
                *a = _mm_xor_si128(carry(*a, by_64), n);
            }
        }
        let by_16 = _mm_set_epi64x(BY_16.1, BY_16.0);
        let mut one = acc[0];
        for &a in &acc[1..] {
            one = _mm_xor_si128(carry(one, by_16), a);
        }
        let mut out = [0u8; 16];
        // SAFETY: `out` is 16 writable bytes; the store is unaligned.
        unsafe { _mm_storeu_si128(out.as_mut_ptr().cast::<__m128i>(), one) };
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Crc32;

    #[test]
    fn check_value_of_the_standard() {
        // The check value of CRC-32/ISO-HDLC: the CRC of "123456789".
        let mut c = Crc32::new();
        c.update(b"12345");
        c.update(b"6789");
        assert_eq!(c.finish(), 0xCBF4_3926);
        assert_eq!(Crc32::new().finish(), 0);
    }

    #[test]
    fn sixteen_bytes_at_a_time_is_the_bytewise_crc() {
        // Against the definition, bit by bit, for every length 0..=600 and several splits
        // (from 128 bytes on, the carry-less folding where the CPU has it).
        let data: Vec<u8> =
            (0u32..600).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        let bitwise = |d: &[u8]| {
            let mut c = !0u32;
            for &b in d {
                c ^= u32::from(b);
                for _ in 0..8 {
                    c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
                }
            }
            !c
        };
        for n in 0..=data.len() {
            for split in [0, 1, 7, 16, 17, 64, 200].into_iter().filter(|&s| s <= n) {
                let mut c = Crc32::new();
                c.update(&data[..split]);
                c.update(&data[split..n]);
                assert_eq!(c.finish(), bitwise(&data[..n]), "length {n}, split {split}");
            }
        }
    }
}
