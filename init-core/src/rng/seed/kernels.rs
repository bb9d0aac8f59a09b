//! The fill machinery of [`Seed`](super::Seed): Philox word groups, per-distribution
//! kernels, the AVX2 / portable dispatch and the rayon split.
//!
//! A *group* is 8 consecutive Philox blocks = 32 consecutive stream words = 32 consecutive
//! elements. Philox produces two groups at a time in stream order (AVX2: 16 blocks in
//! flight); the distribution's kernel maps those words elementwise (plain loops LLVM
//! vectorizes) straight into the output, either two groups at a time or, for the truncated
//! normal's multi-pass kernel, in batches of [`BATCH`] groups gathered in a small buffer.
//! Everything is exact integer arithmetic or IEEE `+ - * / sqrt` on `f32`/`f64` without fused
//! multiply-add, so the AVX2 build and the portable build of the same code give the same
//! bits, and so does any split into chunks.

use rayon::prelude::*;

use crate::math::{ln_f32_pos, sin_cos_turns};
use crate::rng::philox;

/// Elements (= stream words) per group.
pub(super) const GROUP: usize = 32;
/// Groups per batch.
const BATCH: usize = 8;
/// Elements per rayon task; a multiple of [`GROUP`]. Values never depend on it.
pub(super) const CHUNK: usize = 1 << 15;
/// Below this many elements a fill stays on the calling thread.
pub(super) const PAR_MIN: usize = 1 << 16;

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
}

/// Produces the words of group `g` (blocks `8g .. 8g + 8`) in stream order.
trait Words {
    /// Whether this is the AVX2 build (kernels may then use AVX2 intrinsics too).
    const AVX: bool;
    /// Group `g`.
    fn group(&self, g: u64) -> [u32; GROUP];
    /// Groups `g` and `g + 1` (wrapping below 2⁵⁹).
    fn two_groups(&self, g: u64) -> [u32; 2 * GROUP] {
        let (a, b) = (self.group(g), self.group(g.wrapping_add(1) & G_MASK));
        core::array::from_fn(|i| if i < GROUP { a[i] } else { b[i - GROUP] })
    }
}

/// Group indices live below 2⁵⁹ (element indices are `u64`).
const G_MASK: u64 = u64::MAX >> 5;

/// The portable producer.
struct Portable(StreamId);

impl Words for Portable {
    const AVX: bool = false;
    #[inline(always)]
    fn group(&self, g: u64) -> [u32; GROUP] {
        let x = philox::philox4x32_10_x8(self.0.counter(g * 8), self.0.key);
        core::array::from_fn(|i| x[i % 4][i / 4])
    }
}

/// The AVX2 producer: only built inside [`fill_range_avx2`], i.e. after AVX2 was detected.
#[cfg(target_arch = "x86_64")]
struct Avx2 {
    id: StreamId,
    keys: philox::avx2::Schedule,
}

#[cfg(target_arch = "x86_64")]
impl Words for Avx2 {
    const AVX: bool = true;
    #[inline(always)]
    fn group(&self, g: u64) -> [u32; GROUP] {
        let two = self.two_groups(g);
        core::array::from_fn(|i| two[i])
    }

    #[inline(always)]
    fn two_groups(&self, g: u64) -> [u32; 2 * GROUP] {
        let first = [self.id.counter(g * 8), self.id.counter((g.wrapping_add(1) & G_MASK) * 8)];
        // SAFETY: an `Avx2` exists only inside `fill_range_avx2`, which runs only on CPUs with
        // AVX2.
        unsafe { philox::avx2::philox4x32_10_x16(&self.keys, first) }
    }
}

/// Maps stream words to outputs, elementwise in stream order.
pub(super) trait Kernel: Sync {
    /// Output element type.
    type Out: Copy + Default + Send;
    /// Whether [`apply`](Kernel::apply) does well on two groups at a time (short loop body);
    /// otherwise it gets batches of [`BATCH`] groups.
    const SHORT: bool;
    /// `out[i]` from `w[i]` (Box–Muller: `out[2k], out[2k+1]` from `w[2k], w[2k+1]`), for
    /// whole groups (`w.len() == out.len()`, a multiple of [`GROUP`]). Plain loops, so
    /// they vectorize. `avx`: running in the AVX2 build (only then may AVX2 intrinsics be
    /// used; a constant after inlining); the values must not depend on it.
    fn apply(&self, w: &[u32], out: &mut [Self::Out], avx: bool);
}

/// Raw words (the `fill_bits` domain).
pub(super) struct BitsK;

impl Kernel for BitsK {
    type Out = u32;
    const SHORT: bool = true;
    #[inline(always)]
    fn apply(&self, w: &[u32], out: &mut [u32], _avx: bool) {
        out.copy_from_slice(w);
    }
}

/// `Uniform[low, high)`: `base + m·scale` with `m` the word's top 24 bits, clamped to the
/// f32 range `[lo, hi]` inside `[low, high)`.
pub(super) struct UniformK {
    pub base: f32,
    pub scale: f32,
    pub lo: f32,
    pub hi: f32,
}

impl Kernel for UniformK {
    type Out = f32;
    const SHORT: bool = true;
    #[inline(always)]
    fn apply(&self, w: &[u32], out: &mut [f32], _avx: bool) {
        for (o, &x) in out.iter_mut().zip(w) {
            let y = self.base + ((x >> 8) as i32 as f32) * self.scale;
            let y = if y < self.lo { self.lo } else { y };
            *o = if y > self.hi { self.hi } else { y };
        }
    }
}

/// 32-byte aligned scratch (whole AVX2 vectors never straddle a cache line).
#[repr(C, align(32))]
struct Align32<T>(T);

/// `Normal(mean, std)` by Box–Muller on word pairs `(2k, 2k+1)`: element `2k` is
/// `mean + std·(r·cos θ)`, element `2k+1` is `mean + std·(r·sin θ)`, with `r = √(−2 ln u₁)`,
/// `u₁ = (⌊w₂ₖ/2⌋ + ½)·2⁻³¹ ∈ [2⁻³², 1]` and `θ = 2π·w₂ₖ₊₁/2³²`. So `|z| ≤ √(64 ln 2) ≈ 6.66`.
/// `ln` is [`ln_f32_pos`] (≤ 1 ulp), `sin`/`cos` are [`sin_cos_turns`] (< 1.2·10⁻⁷ absolute).
///
/// Vectorized without changing that pair layout: each group is split into its even words
/// (`u₁`) and odd words (`θ`) by in-lane shuffles, the transform runs branch-free on
/// `[u32; 16]`/`[f32; 16]` arrays (full-width AVX2), and the results are interleaved back. Pair order inside
/// the arrays is irrelevant to the values, so portable and AVX2 builds agree bit for bit and
/// element `i` still depends on words `i & !1` and `i | 1` only.
pub(super) struct NormalK {
    pub mean: f32,
    pub std: f32,
}

/// `(r cos θ, r sin θ)` for one word pair: the scalar reference of [`box_muller_n`].
#[cfg(test)]
#[inline(always)]
pub(super) fn box_muller(w0: u32, w1: u32) -> (f32, f32) {
    let u1 = (w0 >> 1) as i32 as f32 * (1.0 / 2_147_483_648.0) + 1.0 / 4_294_967_296.0;
    let r = (-2.0 * ln_f32_pos(u1)).sqrt();
    let (s, c) = sin_cos_turns(w1);
    (r * c, r * s)
}

/// [`box_muller`] on `P` pairs at once, `(w0[j], w1[j]) → (zc[j], zs[j])`, then
/// `mean + std·z`: the same operations in the same order (so the same bits), written as
/// elementwise loops over fixed-size arrays so LLVM turns every step into full-width vector
/// instructions, with several independent vectors in flight.
#[inline(always)]
fn box_muller_n<const P: usize>(
    w0: &[u32; P],
    w1: &[u32; P],
    mean: f32,
    std: f32,
) -> ([f32; P], [f32; P]) {
    let mut r = [0f32; P];
    for (r, &w) in r.iter_mut().zip(w0) {
        let u1 = (w >> 1) as i32 as f32 * (1.0 / 2_147_483_648.0) + 1.0 / 4_294_967_296.0;
        *r = (-2.0 * ln_f32_pos(u1)).sqrt();
    }
    let mut zc = [0f32; P];
    let mut zs = [0f32; P];
    for j in 0..P {
        let (s, c) = sin_cos_turns(w1[j]);
        zc[j] = mean + std * (r[j] * c);
        zs[j] = mean + std * (r[j] * s);
    }
    (zc, zs)
}

/// Pair lane `j` of a block of `2P` words (`P` a multiple of 8) is words `2·pair(j)` and
/// `2·pair(j) + 1`: in each 16 words, the pairs in the order an in-lane even/odd shuffle of
/// two 8-word vectors leaves them (`0, 1, 4, 5, 2, 3, 6, 7`), so splitting and re-interleaving
/// costs one in-lane shuffle per vector. The order never affects values.
#[inline(always)]
const fn pair(j: usize) -> usize {
    8 * (j / 8) + [0, 1, 4, 5, 2, 3, 6, 7][j % 8]
}

impl NormalK {
    /// `W = 2P` words through [`box_muller_n`], portable.
    #[inline(always)]
    fn block<const P: usize, const W: usize>(&self, x: &[u32; W], o: &mut [f32; W]) {
        let w0: [u32; P] = core::array::from_fn(|j| x[2 * pair(j)]);
        let w1: [u32; P] = core::array::from_fn(|j| x[2 * pair(j) + 1]);
        let (zc, zs) = box_muller_n(&w0, &w1, self.mean, self.std);
        for j in 0..P {
            o[2 * pair(j)] = zc[j];
            o[2 * pair(j) + 1] = zs[j];
        }
    }

    /// [`block`](Self::block), split and merged with AVX2 in-lane shuffles (same values).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    #[inline]
    fn block_avx2<const P: usize, const W: usize>(&self, x: &[u32; W], o: &mut [f32; W]) {
        use core::arch::x86_64::*;
        let mut w0 = Align32([0u32; P]);
        let mut w1 = Align32([0u32; P]);
        // SAFETY: `W = 2P` with `P` a multiple of 8, so every access below is in bounds;
        // loads and stores are unaligned.
        unsafe {
            let p = x.as_ptr().cast::<f32>();
            for v in 0..P / 8 {
                let a = _mm256_loadu_ps(p.add(16 * v));
                let b = _mm256_loadu_ps(p.add(16 * v + 8));
                _mm256_storeu_ps(
                    w0.0.as_mut_ptr().add(8 * v).cast(),
                    _mm256_shuffle_ps::<0x88>(a, b),
                );
                _mm256_storeu_ps(
                    w1.0.as_mut_ptr().add(8 * v).cast(),
                    _mm256_shuffle_ps::<0xdd>(a, b),
                );
            }
            let (zc, zs) = box_muller_n(&w0.0, &w1.0, self.mean, self.std);
            let (zc, zs) = (Align32(zc), Align32(zs));
            let q = o.as_mut_ptr();
            for v in 0..P / 8 {
                let c = _mm256_load_ps(zc.0.as_ptr().add(8 * v));
                let s = _mm256_load_ps(zs.0.as_ptr().add(8 * v));
                _mm256_storeu_ps(q.add(16 * v), _mm256_unpacklo_ps(c, s));
                _mm256_storeu_ps(q.add(16 * v + 8), _mm256_unpackhi_ps(c, s));
            }
        }
    }

    /// Blocks of `W = 2P` words.
    #[inline(always)]
    fn blocks<const P: usize, const W: usize>(&self, w: &[u32], out: &mut [f32], avx: bool) {
        let (wb, _) = w.as_chunks::<W>();
        let (ob, _) = out.as_chunks_mut::<W>();
        for (o, x) in ob.iter_mut().zip(wb) {
            #[cfg(target_arch = "x86_64")]
            if avx {
                // SAFETY: `avx` is true only in the AVX2 build, which runs only on AVX2 CPUs.
                unsafe { self.block_avx2::<P, W>(x, o) };
                continue;
            }
            let _ = avx;
            self.block::<P, W>(x, o);
        }
    }
}

impl Kernel for NormalK {
    type Out = f32;
    const SHORT: bool = true;
    #[inline(always)]
    fn apply(&self, w: &[u32], out: &mut [f32], avx: bool) {
        // One group per block. (Two groups at once ran ~15% faster with two threads but, on
        // some thread stacks, ~40% slower with one.)
        self.blocks::<{ GROUP / 2 }, GROUP>(w, out, avx);
    }
}

/// Elements `start .. start + out.len()` of the stream `src` through kernel `k`.
#[inline(always)]
fn fill_range_body<K: Kernel, S: Words>(k: &K, src: &S, start: u64, out: &mut [K::Out]) {
    let mut w = [0u32; BATCH * GROUP];
    let mut tmp = [K::Out::default(); GROUP];
    // One partial group through `tmp`.
    let mut partial = |g: u64, skip: usize, dst: &mut [K::Out]| {
        let x = src.group(g & G_MASK);
        k.apply(&x, &mut tmp, S::AVX);
        dst.copy_from_slice(&tmp[skip..skip + dst.len()]);
    };
    let mut e = start;
    let mut rest = out;
    let skip = (e % GROUP as u64) as usize;
    if skip != 0 {
        let n = (GROUP - skip).min(rest.len());
        let (head, tail) = rest.split_at_mut(n);
        partial(e / GROUP as u64, skip, head);
        rest = tail;
        e = e.wrapping_add(n as u64);
    }
    let whole = rest.len() / GROUP * GROUP;
    let (body, tail) = rest.split_at_mut(whole);
    let mut g = e / GROUP as u64;
    if K::SHORT {
        // Straight from Philox's registers, two groups at a time.
        for chunk in body.chunks_mut(2 * GROUP) {
            let x = src.two_groups(g);
            k.apply(&x[..chunk.len()], chunk, S::AVX);
            g = g.wrapping_add((chunk.len() / GROUP) as u64) & G_MASK;
        }
    }
    for chunk in body.chunks_mut(BATCH * GROUP).filter(|_| !K::SHORT) {
        let n = chunk.len() / GROUP;
        let (pairs, _) = w.as_chunks_mut::<{ 2 * GROUP }>();
        for (b, dst) in pairs.iter_mut().take(n.div_ceil(2)).enumerate() {
            *dst = src.two_groups(g.wrapping_add(2 * b as u64) & G_MASK);
        }
        k.apply(&w[..chunk.len()], chunk, S::AVX);
        g = g.wrapping_add(n as u64);
    }
    if !tail.is_empty() {
        partial(g, 0, tail);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn fill_range_avx2<K: Kernel>(k: &K, id: &StreamId, start: u64, out: &mut [K::Out]) {
    let src = Avx2 { id: *id, keys: philox::avx2::schedule(id.key) };
    fill_range_body(k, &src, start, out);
}

fn fill_range_portable<K: Kernel>(k: &K, id: &StreamId, start: u64, out: &mut [K::Out]) {
    fill_range_body(k, &Portable(*id), start, out);
}

/// Whether to use the AVX2 build of the kernels (detected once, cached by std).
#[cfg(target_arch = "x86_64")]
#[inline]
fn use_avx2() -> bool {
    std::is_x86_feature_detected!("avx2")
}

/// [`fill_range_body`] in the best build this CPU runs, or the portable one.
pub(super) fn fill_range<K: Kernel>(
    k: &K,
    id: &StreamId,
    start: u64,
    out: &mut [K::Out],
    portable: bool,
) {
    #[cfg(target_arch = "x86_64")]
    if !portable && use_avx2() {
        // SAFETY: the CPU supports AVX2 (checked at run time just above).
        unsafe { fill_range_avx2(k, id, start, out) };
        return;
    }
    let _ = portable;
    fill_range_portable(k, id, start, out);
}

/// [`fill_range`] split over rayon's current pool in [`CHUNK`]-element tasks when `out` is
/// large. Chunks only decide who computes an element, never its value.
pub(super) fn fill_par<K: Kernel>(k: &K, id: &StreamId, start: u64, out: &mut [K::Out]) {
    if out.len() < PAR_MIN {
        fill_range(k, id, start, out, false);
    } else {
        out.par_chunks_mut(CHUNK).enumerate().for_each(|(c, chunk)| {
            fill_range(k, id, start.wrapping_add((c * CHUNK) as u64), chunk, false);
        });
    }
}
