//! [`Seed`], the default counter-based generator, and [`SeedStream`], one path's word stream
//! as a `rand` RNG.

mod fill;
mod isa;
mod kernels;
mod trunc;
mod words;

use core::convert::Infallible;

use self::fill::fill_par;
#[cfg(test)]
use self::fill::fill_range;
use self::isa::Isa;
use self::kernels::{BitsK, Kernel, NormalK, UniformK};
use self::trunc::{TruncPlan, f32_at_least, f32_at_most};
use self::words::StreamId;
use super::philox::philox4x32_10;
use super::{Dist, Generator};

/// Counter domain of the values behind [`Seed::fill_at`].
const VALUES: u32 = 0;
/// Counter domain of the words behind [`Seed::fill_bits`] and [`Seed::stream`].
const BITS: u32 = 1;

/// The default generator: Philox4x32-10 in counter mode, one stream per parameter path.
///
/// Every value is a pure function of `(seed, path, element index, distribution)`: adding,
/// removing or reordering parameters changes no other parameter's values, any slice can be
/// generated alone ([`fill_at`](Seed::fill_at)), any thread count gives the same bits, and
/// no platform libm is involved (the crate has its own `ln`, `sin`, `cos`). Large fills run on rayon's
/// current pool. The fill kernels have AVX-512, AVX2 and portable builds, picked at run time
/// and all giving the same bits; [`Seed::kernel_name`] says which one runs.
///
/// # Stream layout (stable; changing it is a breaking change)
///
/// - Key: `splitmix64(seed)` (the bijective mixer applied to `seed + 0x9E3779B97F4A7C15`),
///   as `[low 32 bits, high 32 bits]`.
/// - Path hash `h`: FNV-1a 64 over the path's UTF-8 bytes, then murmur3's `fmix64`.
/// - Block `n` of domain `d` has counter `[n mod 2³², ⌊n/2³²⌋ | d << 30, h mod 2³², ⌊h/2³²⌋]`;
///   word `k` of the domain is word `k mod 4` of block `⌊k/4⌋`. Domain 0 feeds
///   [`fill_at`](Seed::fill_at) / [`Generator::fill`], domain 1 feeds
///   [`fill_bits`](Seed::fill_bits), [`stream`](Seed::stream) and this type's own
///   [`rand_core::TryRng`] (the stream of the root path `""`).
/// - Element `i` uses fixed words, never a data-dependent number of them:
///   - `Uniform{low, high}`: word `i`'s top 24 bits `m`, `low + m·(high − low)·2⁻²⁴` in
///     `f32`, clamped into `[low, high)`: `high` itself never comes out.
///   - `Normal{mean, std}`: Box–Muller on words `2k`, `2k + 1` gives elements `2k` (cosine)
///     and `2k + 1` (sine); `u₁ = (⌊w/2⌋ + ½)·2⁻³¹` never reaches 0, capping `|z|` at
///     `√(64 ln 2) ≈ 6.66σ` (mass beyond: 2.7·10⁻¹¹).
///   - `TruncNormal{mean, std, a, b}`: inverse CDF of word `i`'s `u = (w + ½)·2⁻³²`, computed
///     on lower-tail probabilities so any window works, however far out; outputs lie in
///     `[a, b]`. A window that holds all of `Normal`'s range (`mean ± 6.67·std` in `f32`,
///     e.g. `std = 0.02` in `[−2, 2]`) draws exactly `Normal`'s values instead: the
///     truncation cannot change anything that sampler produces.
///
/// ```
/// use init_core::{Dist, Generator, Seed};
/// let mut g = Seed::new(42);
/// let mut w = vec![0.0f32; 1000];
/// g.fill("fc1.weight", Dist::normal(0.0, 0.02)?, &mut w);
/// // Any slice alone gives the same values.
/// let mut part = vec![0.0f32; 10];
/// g.fill_at("fc1.weight", Dist::normal(0.0, 0.02)?, 495, &mut part);
/// assert_eq!(&w[495..505], &part[..]);
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seed {
    seed: u64,
    root: SeedStream,
}

/// Philox key of a seed: splitmix64's output function.
fn seed_key(seed: u64) -> [u32; 2] {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    [z as u32, (z >> 32) as u32]
}

/// Stable 64-bit hash of a parameter path: FNV-1a 64, then murmur3's `fmix64` finalizer so
/// every output bit depends on every input bit.
fn path_hash(path: &str) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for b in path.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// How to run a fill: the normal parallel dispatch, or one thread on a given build.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Run {
    Auto,
    #[cfg(test)]
    On(Isa),
}

fn run<K: Kernel>(k: &K, id: &StreamId, offset: u64, out: &mut [K::Out], how: Run) {
    match how {
        Run::Auto => fill_par(k, id, offset, out),
        #[cfg(test)]
        Run::On(isa) => fill_range(k, id, offset, out, isa),
    }
}

/// `Uniform[low, high)` prepared, or the constant for an empty range (`low == high`, or no
/// `f32` in it; the other checks are [`Dist::uniform`]'s, kept here as a second line).
fn uniform_kernel(low: f64, high: f64) -> Result<UniformK, f32> {
    let proper = low < high && low.is_finite() && high.is_finite();
    if !proper {
        return Err(low as f32);
    }
    let lo = f32_at_least(low);
    let top = f32_at_most(high);
    let hi = if f64::from(top) >= high { top.next_down() } else { top };
    if lo > hi {
        // No f32 lies in [low, high).
        return Err(low as f32);
    }
    // Inside f32's range the width and base are finite, so no NaN can arise.
    let (l, h) = (low.max(-f64::from(f32::MAX)), high.min(f64::from(f32::MAX)));
    let scale = (h * (1.0 / 16_777_216.0) - l * (1.0 / 16_777_216.0)) as f32;
    Ok(UniformK { base: l as f32, scale, lo, hi })
}

impl Seed {
    /// The generator for `seed`.
    ///
    /// ```
    /// use init_core::Seed;
    /// assert_eq!(Seed::new(3), Seed::new(3));
    /// assert_ne!(Seed::new(3), Seed::new(4));
    /// ```
    pub fn new(seed: u64) -> Self {
        let id = StreamId { key: seed_key(seed), hash: path_hash(""), domain: BITS };
        Seed { seed, root: SeedStream::new(id) }
    }

    /// Which build of the fill kernels this process runs: `"avx512"` (x86-64 with AVX-512 F,
    /// DQ, BW and VL), `"avx2"` or `"portable"`. Every build gives the same bits; the choice
    /// only changes speed.
    ///
    /// The fastest build the CPU supports is chosen the first time a fill runs (or this is
    /// called). The environment variable `INIT_KERNEL` (`avx512`, `avx2` or `portable`, case
    /// ignored) forces a build, e.g. to benchmark the AVX2 build on an AVX-512 machine; a
    /// build the CPU lacks falls back to the best one below it, and any other value means
    /// the default. The variable is read once per process.
    ///
    /// ```
    /// use init_core::Seed;
    /// let k = Seed::kernel_name();
    /// assert!(["avx512", "avx2", "portable"].contains(&k));
    /// // Fixed for the life of the process.
    /// assert_eq!(Seed::kernel_name(), k);
    /// ```
    pub fn kernel_name() -> &'static str {
        Isa::selected().name()
    }

    /// The seed this generator was made from.
    ///
    /// ```
    /// assert_eq!(init_core::Seed::new(9).seed(), 9);
    /// ```
    pub fn seed(&self) -> u64 {
        self.seed
    }

    fn id(&self, path: &str, domain: u32) -> StreamId {
        StreamId { key: self.root.id.key, hash: path_hash(path), domain }
    }

    /// The word stream of `path` from its start: the words [`fill_bits`](Seed::fill_bits)
    /// returns, one after another, as a [`rand_core::Rng`] usable with any `rand_distr`
    /// distribution. Independent of this generator's own position.
    ///
    /// ```
    /// use init_core::Seed;
    /// use rand_core::Rng;
    /// let g = Seed::new(5);
    /// let mut s = g.stream("head.bias");
    /// let mut w = [0u32; 3];
    /// g.fill_bits("head.bias", 0, &mut w);
    /// assert_eq!([s.next_u32(), s.next_u32(), s.next_u32()], w);
    /// ```
    pub fn stream(&self, path: &str) -> SeedStream {
        SeedStream::new(self.id(path, BITS))
    }

    /// Elements `offset .. offset + out.len()` of the parameter at `path` drawn from `dist`:
    /// exactly that slice of what [`Generator::fill`] writes for the whole parameter.
    /// Positions are taken modulo 2⁶⁴. A [`Dist`] is valid by construction; `Uniform` with
    /// `low == high`, or a range holding no `f32`, fills `low`; a `TruncNormal` window
    /// holding no representable mass fills a value clamped into `[a, b]`.
    ///
    /// ```
    /// use init_core::{Dist, Seed};
    /// let g = Seed::new(1);
    /// let d = Dist::trunc_normal(0.0, 1.0, -2.0, 2.0)?;
    /// let mut all = vec![0.0f32; 64];
    /// g.fill_at("w", d, 0, &mut all);
    /// let mut tail = vec![0.0f32; 17];
    /// g.fill_at("w", d, 47, &mut tail);
    /// assert_eq!(&all[47..], &tail[..]);
    /// assert!(all.iter().all(|x| (-2.0..=2.0).contains(x)));
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn fill_at(&self, path: &str, dist: Dist, offset: u64, out: &mut [f32]) {
        self.fill_at_with(path, dist, offset, out, Run::Auto);
    }

    fn fill_at_with(&self, path: &str, dist: Dist, offset: u64, out: &mut [f32], how: Run) {
        let id = self.id(path, VALUES);
        match dist {
            Dist::Uniform { low, high } => match uniform_kernel(low, high) {
                Ok(k) => run(&k, &id, offset, out, how),
                Err(c) => out.fill(c),
            },
            Dist::Normal { mean, std } => {
                run(&NormalK { mean: mean as f32, std: std as f32 }, &id, offset, out, how);
            }
            Dist::TruncNormal { mean, std, a, b } => {
                if let Some(k) = trunc::covering_normal(mean, std, a, b) {
                    return run(&k, &id, offset, out, how);
                }
                match trunc::plan(mean, std, a, b) {
                    TruncPlan::Sample(k) => run(&k, &id, offset, out, how),
                    TruncPlan::Constant(c) => out.fill(c),
                }
            }
        }
    }

    /// Words `offset .. offset + out.len()` of `path`'s bit stream (a counter domain apart
    /// from the values of [`fill_at`](Seed::fill_at)), uniformly distributed; used for
    /// permutations.
    ///
    /// ```
    /// use init_core::Seed;
    /// let g = Seed::new(2);
    /// let mut a = [0u32; 8];
    /// let mut b = [0u32; 3];
    /// g.fill_bits("perm", 0, &mut a);
    /// g.fill_bits("perm", 5, &mut b);
    /// assert_eq!(&a[5..], &b);
    /// ```
    pub fn fill_bits(&self, path: &str, offset: u64, out: &mut [u32]) {
        fill_par(&BitsK, &self.id(path, BITS), offset, out);
    }
}

impl Generator for Seed {
    fn fill(&mut self, path: &str, dist: Dist, out: &mut [f32]) {
        self.fill_at(path, dist, 0, out);
    }

    fn fill_bits(&mut self, path: &str, offset: u64, out: &mut [u32]) {
        Seed::fill_bits(self, path, offset, out);
    }
}

impl rand_core::TryRng for Seed {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        self.root.try_next_u32()
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        self.root.try_next_u64()
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.root.try_fill_bytes(dst)
    }
}

/// One path's word stream of a [`Seed`], read sequentially: word `k` is word `k` of
/// [`Seed::fill_bits`] for that path. Cloning forks the stream at its position. It implements
/// [`rand_core::TryRng`] with `Error = Infallible`, hence [`rand_core::Rng`]: `next_u32` is
/// one word, `next_u64` two (the first in the low half), `fill_bytes` takes whole words
/// little-endian and drops the unused bytes of the last one.
///
/// ```
/// use init_core::Seed;
/// use rand_distr::{Distribution, Normal};
/// let mut s = Seed::new(7).stream("custom.weight");
/// let n = Normal::new(0.0f64, 1.0).unwrap();
/// let x: Vec<f64> = (0..4).map(|_| n.sample(&mut s)).collect();
/// let mut again = Seed::new(7).stream("custom.weight");
/// assert_eq!(x[0], n.sample(&mut again));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedStream {
    id: StreamId,
    pos: u64,
    /// Block `⌊pos/4⌋` whenever `pos % 4 != 0`.
    buf: [u32; 4],
}

impl SeedStream {
    fn new(id: StreamId) -> Self {
        SeedStream { id, pos: 0, buf: [0; 4] }
    }

    /// Index of the next word this stream returns.
    ///
    /// ```
    /// use rand_core::Rng;
    /// let mut s = init_core::Seed::new(0).stream("p");
    /// s.next_u64();
    /// assert_eq!(s.word_pos(), 2);
    /// ```
    pub fn word_pos(&self) -> u64 {
        self.pos
    }

    /// Moves the stream so the next word returned is word `pos`.
    ///
    /// ```
    /// use rand_core::Rng;
    /// let g = init_core::Seed::new(0);
    /// let mut s = g.stream("p");
    /// let first: Vec<u32> = (0..7).map(|_| s.next_u32()).collect();
    /// s.set_word_pos(5);
    /// assert_eq!(s.next_u32(), first[5]);
    /// ```
    pub fn set_word_pos(&mut self, pos: u64) {
        self.pos = pos;
        if !pos.is_multiple_of(4) {
            self.buf = self.block(pos / 4);
        }
    }

    fn block(&self, n: u64) -> [u32; 4] {
        philox4x32_10(self.id.counter(n), self.id.key)
    }

    fn word(&mut self) -> u32 {
        let j = (self.pos % 4) as usize;
        if j == 0 {
            self.buf = self.block(self.pos / 4);
        }
        self.pos = self.pos.wrapping_add(1);
        self.buf[j]
    }
}

impl rand_core::TryRng for SeedStream {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.word())
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let lo = u64::from(self.word());
        Ok(lo | (u64::from(self.word()) << 32))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(4) {
            let w = self.word().to_le_bytes();
            chunk.copy_from_slice(&w[..chunk.len()]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
