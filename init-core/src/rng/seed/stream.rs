//! Non-temporal output for fills larger than the last-level cache: the kernel writes each
//! run into a small cache-resident buffer, and whole 64-byte lines go to the output with
//! streaming stores (no read-for-ownership of lines that will be overwritten, no eviction of
//! useful data). The values are the same; only the stores differ.

#![cfg(target_arch = "x86_64")]

use core::arch::x86_64::*;

use super::isa::Isa;

/// Elements (4 bytes each) per 64-byte line.
const LINE: usize = 16;
/// Room for one run of the widest producer plus a partial line.
const CAP: usize = 128 + LINE;

#[repr(C, align(64))]
struct Buf<T>([T; CAP]);

/// Writes `out` front to back: [`slot`](Streamer::slot) gives room for the next `n` elements,
/// [`commit`](Streamer::commit) sends every whole line to `out`, [`finish`](Streamer::finish)
/// the rest.
pub(super) struct Streamer<'a, T> {
    out: &'a mut [T],
    /// Elements of `out` already written.
    done: usize,
    /// `buf[..held]` holds `out[done .. done + held]`.
    held: usize,
    /// Elements before the first 64-byte boundary of `out` (written with plain stores).
    head: usize,
    isa: Isa,
    buf: Buf<T>,
}

impl<'a, T: Copy + Default> Streamer<'a, T> {
    /// A writer of `out` with the stores of `isa` (AVX2 or AVX-512). `T` is 4 bytes
    /// (`f32` or `u32`): checked by the caller.
    pub(super) fn new(out: &'a mut [T], isa: Isa) -> Self {
        debug_assert!(size_of::<T>() == 4 && isa.avx2());
        let misalign = (out.as_ptr() as usize % 64) / 4;
        let head = ((LINE - misalign) % LINE).min(out.len());
        Streamer { out, done: 0, held: 0, head, isa, buf: Buf([T::default(); CAP]) }
    }

    /// Room for the next `n` elements (`n ≤ 128`).
    #[inline(always)]
    pub(super) fn slot(&mut self, n: usize) -> &mut [T] {
        &mut self.buf.0[self.held..self.held + n]
    }

    /// Takes the `n` elements just written to [`slot`](Self::slot).
    #[inline(always)]
    pub(super) fn commit(&mut self, n: usize) {
        let mut have = self.held + n;
        let mut from = 0;
        if self.done < self.head {
            let k = (self.head - self.done).min(have);
            self.out[self.done..self.done + k].copy_from_slice(&self.buf.0[..k]);
            (self.done, from, have) = (self.done + k, k, have - k);
        }
        let lines = have / LINE;
        let dst = &mut self.out[self.done..self.done + lines * LINE];
        let src = &self.buf.0[from..from + lines * LINE];
        match self.isa {
            // SAFETY: `Streamer`s are made only by the AVX-512 and AVX2 builds of the fill,
            // which run only on CPUs with those features; `src` and `dst` hold `16·lines`
            // 4-byte elements; `dst` starts on a 64-byte boundary (`done ≥ head`).
            Isa::Avx512 => unsafe { lines_avx512(src, dst, lines) },
            // SAFETY: as above.
            _ => unsafe { lines_avx2(src, dst, lines) },
        }
        self.done += lines * LINE;
        let rest = have - lines * LINE;
        self.buf.0.copy_within(from + lines * LINE..from + lines * LINE + rest, 0);
        self.held = rest;
    }

    /// Writes what is held and orders the streaming stores before any later store.
    pub(super) fn finish(mut self) {
        let held = self.held;
        self.out[self.done..self.done + held].copy_from_slice(&self.buf.0[..held]);
        self.held = 0;
        // SAFETY: SSE is part of x86-64.
        unsafe { _mm_sfence() };
    }
}

/// `lines` 64-byte lines from `src` (any alignment) to `dst` (64-byte aligned), streaming.
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn lines_avx512<T>(src: &[T], dst: &mut [T], lines: usize) {
    let (s, d) = (src.as_ptr().cast::<__m512i>(), dst.as_mut_ptr().cast::<__m512i>());
    for l in 0..lines {
        // SAFETY: the caller guarantees `lines` whole lines in both and `d` aligned.
        unsafe { _mm512_stream_si512(d.add(l), _mm512_loadu_si512(s.add(l))) };
    }
}

/// [`lines_avx512`] with two 32-byte streaming stores per line.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn lines_avx2<T>(src: &[T], dst: &mut [T], lines: usize) {
    let (s, d) = (src.as_ptr().cast::<__m256i>(), dst.as_mut_ptr().cast::<__m256i>());
    for l in 0..2 * lines {
        // SAFETY: the caller guarantees `lines` whole lines in both and `d` aligned.
        unsafe { _mm256_stream_si256(d.add(l), _mm256_loadu_si256(s.add(l))) };
    }
}
