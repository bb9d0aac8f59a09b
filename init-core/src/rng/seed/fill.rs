//! The fill loop of [`Seed`](super::Seed): a producer's word runs through a kernel into the
//! output, the build dispatch (AVX-512 / AVX2 / portable, see [`Isa`]) and the rayon split.
//!
//! A short kernel (uniform, normal, raw words) maps each run straight from Philox's
//! registers into the output; the truncated normal's multi-pass kernel gets batches of
//! [`BATCH`] groups gathered in a small buffer. Each build compiles the same source with its
//! target features, and the kernels use only exact integer arithmetic and IEEE `+ - * / sqrt`
//! without fused multiply-add, so every build gives the same bits, and so does any split
//! into chunks.

use rayon::prelude::*;

use super::isa::Isa;
use super::kernels::Kernel;
use super::words::{G_MASK, GROUP, Portable, StreamId, Words};

/// Groups per batch.
const BATCH: usize = 64;
/// Elements per rayon task; a multiple of [`GROUP`]. Values never depend on it.
pub(super) const CHUNK: usize = 1 << 15;
/// Below this many elements a fill stays on the calling thread.
pub(super) const PAR_MIN: usize = 1 << 16;

/// Elements `start .. start + out.len()` of the stream `src` through kernel `k`.
#[inline(always)]
fn fill_range_body<K: Kernel, S: Words>(k: &K, src: &S, start: u64, out: &mut [K::Out]) {
    let mut tmp = [K::Out::default(); GROUP];
    // One partial group through `tmp`.
    let mut partial = |g: u64, skip: usize, dst: &mut [K::Out]| {
        let x = src.group(g & G_MASK);
        k.apply(&x, &mut tmp, S::ISA);
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
        // Straight from Philox's registers, a run at a time.
        for chunk in body.chunks_mut(S::RUN_GROUPS * GROUP) {
            k.apply_run(src, g, chunk);
            g = g.wrapping_add((chunk.len() / GROUP) as u64) & G_MASK;
        }
    }
    let mut w = [0u32; BATCH * GROUP];
    for chunk in body.chunks_mut(BATCH * GROUP).filter(|_| !K::SHORT) {
        let n = chunk.len() / GROUP;
        let runs = w.chunks_mut(S::RUN_GROUPS * GROUP);
        for (b, dst) in runs.take(n.div_ceil(S::RUN_GROUPS)).enumerate() {
            src.run_into(g.wrapping_add((b * S::RUN_GROUPS) as u64) & G_MASK, dst);
        }
        k.apply(&w[..chunk.len()], chunk, S::ISA);
        g = g.wrapping_add(n as u64);
    }
    if !tail.is_empty() {
        partial(g, 0, tail);
    }
}

/// The AVX-512 build (F, DQ, BW and VL, so LLVM may use any of them in the kernels, and
/// POPCNT, which every AVX-512 CPU has).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512bw,avx512vl,popcnt")]
fn fill_range_avx512<K: Kernel>(k: &K, id: &StreamId, start: u64, out: &mut [K::Out]) {
    fill_range_body(k, &super::words::Avx512::new(*id), start, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt")]
fn fill_range_avx2<K: Kernel>(k: &K, id: &StreamId, start: u64, out: &mut [K::Out]) {
    fill_range_body(k, &super::words::Avx2::new(*id), start, out);
}

fn fill_range_portable<K: Kernel>(k: &K, id: &StreamId, start: u64, out: &mut [K::Out]) {
    fill_range_body(k, &Portable(*id), start, out);
}

/// [`fill_range_body`] in build `isa`, or the portable build if the CPU does not run `isa`.
pub(super) fn fill_range<K: Kernel>(
    k: &K,
    id: &StreamId,
    start: u64,
    out: &mut [K::Out],
    isa: Isa,
) {
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 if isa.supported() => {
            // SAFETY: the CPU supports AVX-512 F, DQ, BW and VL and POPCNT (checked just above).
            unsafe { fill_range_avx512(k, id, start, out) }
        }
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 if isa.supported() => {
            // SAFETY: the CPU supports AVX2 and POPCNT (checked just above).
            unsafe { fill_range_avx2(k, id, start, out) }
        }
        _ => fill_range_portable(k, id, start, out),
    }
}

/// [`fill_range`] in the selected build ([`Isa::selected`]), split over rayon's current pool
/// in [`CHUNK`]-element tasks when `out` is large. Chunks only decide who computes an
/// element, never its value.
pub(super) fn fill_par<K: Kernel>(k: &K, id: &StreamId, start: u64, out: &mut [K::Out]) {
    let isa = Isa::selected();
    if out.len() < PAR_MIN {
        fill_range(k, id, start, out, isa);
    } else {
        out.par_chunks_mut(CHUNK).enumerate().for_each(|(c, chunk)| {
            fill_range(k, id, start.wrapping_add((c * CHUNK) as u64), chunk, isa);
        });
    }
}
