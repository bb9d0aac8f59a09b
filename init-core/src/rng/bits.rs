//! [`Bits`]: any [`Generator`]'s word stream for one path, as a `rand` RNG.

use core::convert::Infallible;

use super::Generator;

const CHUNK: usize = 16;

/// The 32-bit word stream of one parameter path, usable with every `rand`/`rand_distr`
/// distribution (it implements [`rand_core::TryRng`] with `Error = Infallible`, hence
/// [`rand_core::Rng`]). This is how user-defined schemes draw from a [`Generator`].
///
/// ```
/// use init_core::{Bits, Seed};
/// use rand_core::Rng;
/// let mut g = Seed::new(1);
/// let mut a = Bits::new(&mut g, "head.weight");
/// let x = a.next_u64();
/// let mut g2 = Seed::new(1);
/// assert_eq!(Bits::new(&mut g2, "head.weight").next_u64(), x);
/// ```
pub struct Bits<'g> {
    rng: &'g mut dyn Generator,
    path: String,
    offset: u64,
    buf: [u32; CHUNK],
    pos: usize,
}

impl<'g> Bits<'g> {
    /// The word stream of `path` in `rng`, from its start.
    pub fn new(rng: &'g mut dyn Generator, path: &str) -> Self {
        Bits { rng, path: path.to_owned(), offset: 0, buf: [0; CHUNK], pos: CHUNK }
    }

    fn word(&mut self) -> u32 {
        if self.pos == CHUNK {
            self.rng.fill_bits(&self.path, self.offset, &mut self.buf);
            self.offset += CHUNK as u64;
            self.pos = 0;
        }
        let w = self.buf[self.pos];
        self.pos += 1;
        w
    }
}

impl rand_core::TryRng for Bits<'_> {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.word())
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let lo = u64::from(self.word());
        let hi = u64::from(self.word());
        Ok(lo | (hi << 32))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(4) {
            let w = self.word().to_le_bytes();
            chunk.copy_from_slice(&w[..chunk.len()]);
        }
        Ok(())
    }
}
