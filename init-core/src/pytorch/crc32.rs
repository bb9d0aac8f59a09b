//! CRC-32 (IEEE 802.3, the zip format's), by tables: sixteen bytes per step ("slicing by
//! 16"), so that checking every entry of a file costs a fraction of reading it.

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
        // Against the definition, bit by bit, for every length 0..=80 and every split.
        let data: Vec<u8> =
            (0u32..80).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
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
            for split in [0, 1, 7, 16, 17].into_iter().filter(|&s| s <= n) {
                let mut c = Crc32::new();
                c.update(&data[..split]);
                c.update(&data[split..n]);
                assert_eq!(c.finish(), bitwise(&data[..n]), "length {n}, split {split}");
            }
        }
    }
}
