//! Philox word producers of [`Seed`](super::Seed)'s fills: a stream's identity
//! ([`StreamId`]) and one producer per build (portable, AVX2, AVX-512), each giving the same
//! words in stream order.
//!
//! A *group* is 8 consecutive Philox blocks = 32 consecutive stream words = 32 consecutive
//! elements. A producer makes a *run* of consecutive groups at a time: two (64 words) for
//! the portable and AVX2 builds, four (128 words) for AVX-512.

use super::isa::Isa;
use crate::rng::philox;

/// Elements (= stream words) per group.
pub(super) const GROUP: usize = 32;

/// Group indices live below 2⁵⁹ (element indices are `u64`).
pub(super) const G_MASK: u64 = u64::MAX >> 5;

/// One stream: the Philox key (from the seed) and the fixed counter words (path hash and
/// domain). Block `n` of the stream has counter
/// `[n mod 2³², ⌊n / 2³²⌋ | domain << 30, hash mod 2³², ⌊hash / 2³²⌋]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct StreamId {
    pub key: [u32; 2],
    pub hash: u64,
    pub domain: u32,
}

impl StreamId {
    /// The counter of block `n` (`n < 2⁶²`, which every `u64` element index satisfies).
    #[inline(always)]
    pub fn counter(&self, n: u64) -> [u32; 4] {
        [n as u32, (n >> 32) as u32 | self.domain << 30, self.hash as u32, (self.hash >> 32) as u32]
    }

    /// The counter of group `g`'s first block (`g` wrapped below 2⁵⁹).
    #[inline(always)]
    fn group_counter(&self, g: u64) -> [u32; 4] {
        self.counter((g & G_MASK) * 8)
    }

    /// The counters of groups `g, g + 1, …, g + N − 1`: the `first` argument of the vector
    /// Philox forms.
    #[inline(always)]
    fn group_counters<const N: usize>(&self, g: u64) -> [[u32; 4]; N] {
        let mut c = [[0; 4]; N];
        for (h, c) in c.iter_mut().enumerate() {
            *c = self.group_counter(g.wrapping_add(h as u64));
        }
        c
    }
}

/// Produces the words of groups in stream order.
pub(super) trait Words {
    /// The build this producer belongs to (kernels may use its intrinsics too).
    const ISA: Isa;
    /// Words of consecutive groups, as many as the producer makes at once.
    type Run: AsRef<[u32]>;
    /// Groups per [`Run`](Words::Run).
    const RUN_GROUPS: usize;
    /// Group `g`.
    fn group(&self, g: u64) -> [u32; GROUP];
    /// Groups `g, g + 1, …` (each wrapped below 2⁵⁹).
    fn run(&self, g: u64) -> Self::Run;
    /// [`run`](Words::run) into `dst` (a run long).
    #[inline(always)]
    fn run_into(&self, g: u64, dst: &mut [u32]) {
        dst.copy_from_slice(self.run(g).as_ref());
    }
    /// The words of four groups from `g` as pairs `(2k, 2k + 1)` split into first and second
    /// words (the layout of [`philox4x32_10_x32_pairs`](philox::avx512::philox4x32_10_x32_pairs)),
    /// if this producer makes them so directly; `None` otherwise.
    #[inline(always)]
    fn pair_run(&self, _g: u64) -> Option<([u32; 64], [u32; 64])> {
        None
    }
    /// The same for two groups from `g`, in the layout of
    /// [`philox4x32_10_x16_pairs`](philox::avx2::philox4x32_10_x16_pairs).
    #[inline(always)]
    fn pair_run2(&self, _g: u64) -> Option<([u32; 32], [u32; 32])> {
        None
    }
}

/// The portable producer.
pub(super) struct Portable(pub StreamId);

impl Words for Portable {
    const ISA: Isa = Isa::Portable;
    type Run = [u32; 2 * GROUP];
    const RUN_GROUPS: usize = 2;
    #[inline(always)]
    fn group(&self, g: u64) -> [u32; GROUP] {
        let x = philox::philox4x32_10_x8(self.0.group_counter(g), self.0.key);
        core::array::from_fn(|i| x[i % 4][i / 4])
    }
    #[inline(always)]
    fn run(&self, g: u64) -> [u32; 2 * GROUP] {
        let (a, b) = (self.group(g), self.group(g.wrapping_add(1)));
        core::array::from_fn(|i| if i < GROUP { a[i] } else { b[i - GROUP] })
    }
}

/// The AVX2 producer: only built inside the AVX2 build of the fills, i.e. after AVX2 was
/// detected.
#[cfg(target_arch = "x86_64")]
pub(super) struct Avx2 {
    id: StreamId,
    keys: philox::avx2::Schedule,
}

#[cfg(target_arch = "x86_64")]
impl Avx2 {
    /// The producer of stream `id`.
    #[target_feature(enable = "avx2")]
    #[inline]
    pub(super) fn new(id: StreamId) -> Self {
        Avx2 { id, keys: philox::avx2::schedule(id.key) }
    }
}

#[cfg(target_arch = "x86_64")]
impl Words for Avx2 {
    const ISA: Isa = Isa::Avx2;
    type Run = [u32; 2 * GROUP];
    const RUN_GROUPS: usize = 2;
    #[inline(always)]
    fn group(&self, g: u64) -> [u32; GROUP] {
        let two = self.run(g);
        core::array::from_fn(|i| two[i])
    }

    #[inline(always)]
    fn run(&self, g: u64) -> [u32; 2 * GROUP] {
        let first = self.id.group_counters(g);
        // SAFETY: an `Avx2` is only made by `Avx2::new`, a `target_feature(avx2)` function,
        // so this runs on a CPU with AVX2.
        unsafe { philox::avx2::philox4x32_10_x16(&self.keys, first) }
    }
    #[inline(always)]
    fn pair_run2(&self, g: u64) -> Option<([u32; 32], [u32; 32])> {
        let first = self.id.group_counters(g);
        // SAFETY: as in `run`.
        Some(unsafe { philox::avx2::philox4x32_10_x16_pairs(&self.keys, first) })
    }
}

/// The AVX-512 producer: only built inside the AVX-512 build of the fills.
#[cfg(target_arch = "x86_64")]
pub(super) struct Avx512 {
    id: StreamId,
    keys: philox::avx512::Schedule,
}

#[cfg(target_arch = "x86_64")]
impl Avx512 {
    /// The producer of stream `id`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub(super) fn new(id: StreamId) -> Self {
        Avx512 { id, keys: philox::avx512::schedule(id.key) }
    }
}

#[cfg(target_arch = "x86_64")]
impl Words for Avx512 {
    const ISA: Isa = Isa::Avx512;
    type Run = [u32; 4 * GROUP];
    const RUN_GROUPS: usize = 4;
    #[inline(always)]
    fn group(&self, g: u64) -> [u32; GROUP] {
        // Only for partial groups at the ends of a range, so computing four is fine.
        let four = self.run(g);
        core::array::from_fn(|i| four[i])
    }

    #[inline(always)]
    fn run(&self, g: u64) -> [u32; 4 * GROUP] {
        let first = self.id.group_counters(g);
        // SAFETY: an `Avx512` is only made by `Avx512::new`, a `target_feature(avx512f)`
        // function, so this runs on a CPU with AVX-512F.
        unsafe { philox::avx512::philox4x32_10_x32(&self.keys, first) }
    }
    #[inline(always)]
    fn run_into(&self, g: u64, dst: &mut [u32]) {
        match <&mut [u32; 4 * GROUP]>::try_from(&mut *dst) {
            Ok(run) => {
                let first = self.id.group_counters(g);
                // SAFETY: as in `run`.
                unsafe { philox::avx512::philox4x32_10_x32_into(&self.keys, first, run) }
            }
            Err(_) => dst.copy_from_slice(&self.run(g)),
        }
    }
    #[inline(always)]
    fn pair_run(&self, g: u64) -> Option<([u32; 64], [u32; 64])> {
        let first = self.id.group_counters(g);
        // SAFETY: as in `run`.
        Some(unsafe { philox::avx512::philox4x32_10_x32_pairs(&self.keys, first) })
    }
}
