//! The 32-bit Mersenne Twister exactly as PyTorch's `at::mt19937` (reference §4.1).

const N: usize = 624;
const M: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;

/// MT19937 state: `init_genrand` seeding from the low 32 bits of the seed, `left = 1` so the
/// first output twists, textbook tempering. Its outputs equal `std::mt19937(uint32(seed))`.
#[derive(Clone)]
pub(super) struct Mt19937 {
    state: [u32; N],
    left: usize,
    next: usize,
}

impl Mt19937 {
    /// Seeds with `seed & 0xffff_ffff`.
    pub(super) fn new(seed: u64) -> Self {
        let mut state = [0u32; N];
        state[0] = seed as u32;
        for j in 1..N {
            let prev = state[j - 1];
            state[j] = 1_812_433_253u32.wrapping_mul(prev ^ (prev >> 30)).wrapping_add(j as u32);
        }
        Mt19937 { state, left: 1, next: 0 }
    }

    /// The twist, as three loops without a modulo: `k + M` wraps only in the second and
    /// `k + 1` only at the last word. Each loop reads words at least `N - M = 227` behind or
    /// one ahead of the one it writes, so the compiler vectorizes the first two.
    fn twist(&mut self) {
        #[inline(always)]
        fn mix(cur: u32, next: u32, far: u32) -> u32 {
            let y = (cur & UPPER_MASK) | (next & LOWER_MASK);
            far ^ (y >> 1) ^ ((next & 1).wrapping_neg() & MATRIX_A)
        }
        let s = &mut self.state;
        for k in 0..N - M {
            s[k] = mix(s[k], s[k + 1], s[k + M]);
        }
        for k in N - M..N - 1 {
            s[k] = mix(s[k], s[k + 1], s[k + M - N]);
        }
        s[N - 1] = mix(s[N - 1], s[0], s[M - 1]);
    }

    /// `out.len()` outputs, the same as as many [`next_u32`](Mt19937::next_u32) calls:
    /// whole runs of the state tempered in one loop.
    #[inline(always)]
    pub(super) fn fill_u32(&mut self, out: &mut [u32]) {
        let mut pos = 0;
        while pos < out.len() {
            // `left - 1` words remain before the next twist (see `next_u32`).
            if self.left <= 1 {
                self.twist();
                self.left = N + 1;
                self.next = 0;
            }
            let k = (self.left - 1).min(out.len() - pos);
            let words = &self.state[self.next..self.next + k];
            for (o, &w) in out[pos..pos + k].iter_mut().zip(words) {
                *o = temper(w);
            }
            self.next += k;
            self.left -= k;
            pos += k;
        }
    }

    /// The next tempered 32-bit output.
    #[inline]
    pub(super) fn next_u32(&mut self) -> u32 {
        self.left -= 1;
        if self.left == 0 {
            self.twist();
            self.left = N;
            self.next = 0;
        }
        let y = self.state[self.next];
        self.next += 1;
        temper(y)
    }
}

/// MT19937's output tempering.
#[inline(always)]
fn temper(mut y: u32) -> u32 {
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c_5680;
    y ^= (y << 15) & 0xefc6_0000;
    y ^ (y >> 18)
}

#[cfg(test)]
mod tests {
    use super::Mt19937;

    #[test]
    fn matches_std_mt19937_default_seed() {
        let mut mt = Mt19937::new(5489);
        assert_eq!(mt.next_u32(), 3_499_211_612);
        assert_eq!(mt.next_u32(), 581_869_302);
        assert_eq!(mt.next_u32(), 3_890_346_734);
        for _ in 3..9999 {
            mt.next_u32();
        }
        assert_eq!(mt.next_u32(), 4_123_659_995);
    }

    #[test]
    fn bulk_fills_are_the_word_stream() {
        // Any split of the stream into fills and single draws gives the same words,
        // across twists (624 words each).
        let mut one = Mt19937::new(7);
        let want: Vec<u32> = (0..5000).map(|_| one.next_u32()).collect();
        for sizes in
            [&[5000usize][..], &[1, 623, 1, 624, 1000, 2751], &[624, 624, 3752], &[3, 0, 4997]]
        {
            let mut mt = Mt19937::new(7);
            let mut got = vec![0u32; 5000];
            let mut at = 0;
            for (i, &n) in sizes.iter().enumerate() {
                if i % 2 == 1 && n == 1 {
                    got[at] = mt.next_u32();
                } else {
                    mt.fill_u32(&mut got[at..at + n]);
                }
                at += n;
            }
            assert_eq!(got, want, "{sizes:?}");
        }
    }

    #[test]
    fn only_low_32_bits_of_the_seed_matter() {
        let mut a = Mt19937::new((1u64 << 32) + 5);
        let mut b = Mt19937::new(5);
        for _ in 0..1000 {
            assert_eq!(a.next_u32(), b.next_u32());
        }
    }
}
