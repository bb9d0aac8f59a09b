//! The truncated normal by inverse CDF at fixed positions: element `i` maps its word `w` to
//! `u = (w + ½)·2⁻³² ∈ (0, 1)` and returns `μ + σ·Φ⁻¹(Φ(α) + u·(Φ(β) − Φ(α)))` for the
//! standardized window `[α, β]`, clamped to `[a, b]` after rounding to `f32`.
//!
//! To stay accurate in any window (`[8σ, 9σ]`, `[−40σ, −39σ]`, …) the work is done on
//! lower-tail probabilities only:
//! - A window whose centre lies above the mean is mirrored (`[α, β] → [−β, −α]`, result
//!   negated), so `α < 0` and `|α| ≥ |β|`.
//! - If `β ≤ 0` (*case A*) the probability is kept relative to `S = Φ(β)`:
//!   `P = S·(r + u(1 − r))` with `r = Φ(α)/S = exp(ln Φ(α) − ln S)`, and
//!   `ln P = ln S + ln(r + u(1 − r))`, finite even when `P` underflows.
//! - If `β > 0` (*case B*, the window holds the mean) `P = Φ(α) + u·W` while that is at most ½,
//!   else the upper tail `Q = Φc(β) + (1 − u)·W` is used and the result negated (`1 − u` is
//!   exact), so there is no cancellation anywhere.
//!
//! `Φ⁻¹` is AS 241 from `(P, ln P)` (its central branch needs only `P`, its tail branches
//! only `ln P`), extended by Newton steps below `ln P = −676`. Which branches a fill compiles
//! in is chosen from the window's smallest reachable `ln P`; lanes compute the same value
//! whichever is chosen.
//!
//! A window wide enough to hold everything the Box–Muller normal kernel can write (±6.66σ,
//! e.g. PyTorch's `trunc_normal(std = 0.02)`, which truncates at ±100σ) skips all this and
//! draws exactly the values of `normal` ([`covering_normal`]).

#[cfg(target_arch = "x86_64")]
mod central_avx512;

use super::isa::Isa;
use super::kernels::{Kernel, NormalK};
use crate::math::{
    DEEP_LN_P, exp_f64, inv_norm_cdf_lower, ln_f64_pos, log_norm_cdf, norm_cdf, norm_sf,
    ppnd_central_n, ppnd_is_central, ppnd_tail,
};

/// Elements per compaction pass.
const PASS: usize = 256;
const _: () = assert!(PASS.is_power_of_two());

const TWO_M32: f64 = 1.0 / 4_294_967_296.0;

/// Which AS 241 branches lanes can reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reach {
    /// `ln P ≥ −25` everywhere: central and intermediate branches only.
    Near,
    /// Down to [`DEEP_LN_P`]: all three branches.
    Far,
    /// Below [`DEEP_LN_P`] too: per-lane Newton refinement (scalar).
    Deep,
}

/// A prepared truncated normal.
#[derive(Clone, Copy, Debug)]
pub(super) struct TruncK {
    c0: f64,
    c1: f64,
    /// `c1·2⁻³²`.
    c1s: f64,
    s: f64,
    ln_s: f64,
    qb: f64,
    split: f64,
    sign: f64,
    mean: f64,
    std: f64,
    lo: f32,
    hi: f32,
    reach: Reach,
}

/// Smallest `f32` `>= x` (`x` not NaN).
pub(super) fn f32_at_least(x: f64) -> f32 {
    let f = x as f32;
    if f64::from(f) < x { f.next_up() } else { f }
}

/// Largest `f32` `<= x` (`x` not NaN).
pub(super) fn f32_at_most(x: f64) -> f32 {
    let f = x as f32;
    if f64::from(f) > x { f.next_down() } else { f }
}

/// A bound on `|z|` for every standard normal the Box–Muller kernel produces
/// (its cap is `√(64 ln 2) ≈ 6.6604`).
const NORMAL_Z_BOUND: f32 = 6.67;

/// The plain normal kernel when the window `[a, b]` holds every value that kernel can write.
///
/// Then conditioning on the window changes nothing the sampler can produce (the normal mass
/// beyond ±6.66σ is below 3e-11), so `trunc_normal` draws exactly what `normal` draws, at
/// its speed. This is the usual case: `trunc_normal(std = 0.02)` truncates at ±100σ. The test
/// is done in `f32` the way the kernel computes `mean + std·z`; rounding is monotonic, so no
/// output can leave the window.
pub(super) fn covering_normal(mean: f64, std: f64, a: f64, b: f64) -> Option<NormalK> {
    let (m, s) = (mean as f32, std as f32);
    if !(s > 0.0 && s.is_finite() && m.is_finite() && a.is_finite() && b.is_finite()) {
        return None;
    }
    let reach = s * NORMAL_Z_BOUND;
    let inside = m - reach >= f32_at_least(a) && m + reach <= f32_at_most(b);
    inside.then_some(NormalK { mean: m, std: s })
}

/// How a truncated normal fill is done.
pub(super) enum TruncPlan {
    /// Sample through the kernel.
    Sample(TruncK),
    /// Degenerate window (no mass representable, `std` not positive, NaN): fill with this.
    Constant(f32),
}

/// Prepares `N(mean, std²)` conditioned on `[a, b]`.
pub(super) fn plan(mean: f64, std: f64, a: f64, b: f64) -> TruncPlan {
    let (lo, hi) = (f32_at_least(a), f32_at_most(b));
    let alpha = (a - mean) / std;
    let beta = (b - mean) / std;
    let fallback = || {
        let mid = if a.is_finite() && b.is_finite() { 0.5 * a + 0.5 * b } else { mean };
        TruncPlan::Constant(clamp(mid as f32, lo, hi))
    };
    let proper = std > 0.0 && alpha < beta && !(a.is_nan() || b.is_nan() || mean.is_nan());
    if !proper {
        return fallback();
    }
    let mirror = alpha + beta > 0.0;
    let (wa, wb, sign) = if mirror { (-beta, -alpha, -1.0) } else { (alpha, beta, 1.0) };
    let k = if wb <= 0.0 {
        let ln_s = log_norm_cdf(wb);
        let r = exp_f64(log_norm_cdf(wa) - ln_s);
        let (c0, c1) = (r, 1.0 - r);
        TruncK { c0, c1, s: exp_f64(ln_s), ln_s, qb: 0.0, split: f64::INFINITY, ..base(sign) }
    } else {
        let (pa, qb) = (norm_cdf(wa), norm_sf(wb));
        let w = (0.5 - pa) + (0.5 - qb);
        TruncK { c0: pa, c1: w, s: 1.0, ln_s: 0.0, qb, split: 0.5, ..base(sign) }
    };
    let usable = k.c1 > 1e-250 && k.c1.is_finite() && k.c0 >= 0.0;
    if !usable {
        return fallback();
    }
    let k = TruncK { mean, std, lo, hi, c1s: k.c1 * TWO_M32, ..k };
    // Smallest ln P any lane can see: u = 2^-33 (lower branch), 1 - u = 2^-33 (upper).
    let mut ln_min = ln_f64_pos(k.c0 + 0.5 * TWO_M32 * k.c1) + k.ln_s;
    if k.split <= 0.5 {
        ln_min = ln_min.min(ln_f64_pos(k.qb + 0.5 * TWO_M32 * k.c1));
    }
    let reach = if ln_min > -24.5 {
        Reach::Near
    } else if ln_min > DEEP_LN_P + 1.0 {
        Reach::Far
    } else {
        Reach::Deep
    };
    TruncPlan::Sample(TruncK { reach, ..k })
}

fn base(sign: f64) -> TruncK {
    TruncK {
        c0: 0.0,
        c1: 0.0,
        c1s: 0.0,
        s: 0.0,
        ln_s: 0.0,
        qb: 0.0,
        split: 0.0,
        sign,
        mean: 0.0,
        std: 0.0,
        lo: 0.0,
        hi: 0.0,
        reach: Reach::Far,
    }
}

/// `y` clamped to `[lo, hi]` (NaN gives `lo`; `lo > hi` gives `hi`).
#[inline(always)]
fn clamp(y: f32, lo: f32, hi: f32) -> f32 {
    y.max(lo).min(hi)
}

impl TruncK {
    /// For word `w`: the probability `p` to invert (lower tail; `Q` on the upper branch),
    /// the argument whose log plus `ln_s` (or 0 on the upper branch) is `ln p`, and whether
    /// the upper branch was taken (the result is negated then).
    #[inline(always)]
    fn prob(&self, w: u32) -> (f64, f64, bool) {
        self.prob_k::<true>(w)
    }

    /// [`prob`](Self::prob), with `SCALED = false` allowed when `s = 1` (the window holds the
    /// mean), which skips the multiply by `s` (exact then). `u = (w + ½)·2⁻³²` and
    /// `v = 1 − u = (2³² − ½ − w)·2⁻³²` are never formed: `u·c₁ = (w + ½)·c1s` with
    /// `c1s = c₁·2⁻³²`, the same real product (scaling by a power of two is exact, and
    /// `c1s > 10⁻²⁶⁰` stays normal), so it rounds the same; `w + ½` and `2³² − ½ − w` are
    /// exact in `f64`. One multiply fewer per element than forming `u`.
    #[inline(always)]
    fn prob_k<const SCALED: bool>(&self, w: u32) -> (f64, f64, bool) {
        let wf = f64::from(w);
        let pn = self.c0 + (wf + 0.5) * self.c1s;
        let upper = pn > self.split;
        let qn = self.qb + ((4_294_967_296.0 - 0.5) - wf) * self.c1s;
        let pr = if upper { qn } else { pn };
        let p = if upper {
            qn
        } else if SCALED {
            pn * self.s
        } else {
            pn
        };
        (p, pr, upper)
    }

    /// The output for standard quantile `x` with sign `sg` (`±1`: mirroring times branch).
    #[inline(always)]
    fn finish(&self, x: f64, sg: f64) -> f32 {
        let y = (self.mean + self.std * (x * sg)) as f32;
        // Selects, not `max`/`min`: these map to single instructions, and no NaN reaches
        // here (the plan rejects degenerate windows; the central pass's value for a tail
        // lane, possibly infinite, is overwritten by the tail pass).
        let y = if y < self.lo { self.lo } else { y };
        if y > self.hi { self.hi } else { y }
    }

    /// [`finish`](Self::finish) with `sstd = sg·std` given: `std·(x·sg)` and `x·(sg·std)` are
    /// the same value (`sg = ±1`, and rounding is symmetric under negation), one multiply
    /// fewer.
    #[inline(always)]
    fn finish_signed(&self, x: f64, sstd: f64) -> f32 {
        let y = (self.mean + x * sstd) as f32;
        let y = if y < self.lo { self.lo } else { y };
        if y > self.hi { self.hi } else { y }
    }

    /// Value of element with word `w`: the scalar reference the kernels agree with bit for
    /// bit (AS 241 below the deep tail, Newton-refined beyond).
    fn value(&self, w: u32) -> f32 {
        let (p, pr, upper) = self.prob(w);
        let ln_p = ln_f64_pos(pr) + if upper { 0.0 } else { self.ln_s };
        let sg = if upper { -self.sign } else { self.sign };
        self.finish(inv_norm_cdf_lower(p, ln_p), sg)
    }

    /// Value of the scalar reference, for tests.
    #[cfg(test)]
    pub fn value_for_test(&self, w: u32) -> f32 {
        self.value(w)
    }

    /// The vectorized sampler, as a series of simple loops over up to [`PASS`] lanes (short
    /// bodies, so the CPU overlaps many lanes' long dependency chains). Central lanes
    /// (`p ≥ 0.075`, most of them in a window around the mean) are finished first; the indices
    /// of tail lanes are then compacted and the tail (`ln`, `√`, second rational) runs only over
    /// those. Same values as [`value`](Self::value).
    #[inline(always)]
    fn run<const FAR: bool>(&self, w: &[u32], out: &mut [f32], isa: Isa) {
        // One scratch for every pass of the call (zeroing it per pass of 256 elements cost
        // 11 % of the fill in `memset`).
        let mut scratch = Scratch {
            p: [0.0; PASS],
            lp: [0.0; PASS],
            sg: [0.0; PASS],
            x: [0.0; PASS],
            idx: [0; PASS + 16],
        };
        let (wf, wrest) = w.as_chunks::<PASS>();
        let (of, orest) = out.as_chunks_mut::<PASS>();
        for (w, out) in wf.iter().zip(of) {
            self.run_pass::<FAR>(w, out, isa, &mut scratch);
        }
        if !wrest.is_empty() {
            let (mut wp, mut op) = ([0u32; PASS], [0f32; PASS]);
            wp[..wrest.len()].copy_from_slice(wrest);
            self.run_pass::<FAR>(&wp, &mut op, isa, &mut scratch);
            orest.copy_from_slice(&op[..orest.len()]);
        }
    }

    /// One pass of [`run`](Self::run): all lanes through the central branch, then the tail
    /// lanes compacted. The AVX-512 build runs the central branch in registers and finds the
    /// tail lanes on the way ([`central_avx512`](Self::central_avx512)); the others through
    /// [`central`](Self::central), then [`tail_indices`]. Then [`tail`](Self::tail).
    #[inline(always)]
    fn run_pass<const FAR: bool>(
        &self,
        w: &[u32; PASS],
        out: &mut [f32; PASS],
        isa: Isa,
        scratch: &mut Scratch,
    ) {
        #[cfg(target_arch = "x86_64")]
        if isa == Isa::Avx512 {
            // SAFETY: `isa` is `Avx512` only in the AVX-512 build, which runs only on CPUs
            // with AVX-512 F, DQ, BW and VL and POPCNT.
            let m = unsafe {
                if self.s == 1.0 {
                    self.central_avx512::<false>(w, out, &mut scratch.idx)
                } else {
                    self.central_avx512::<true>(w, out, &mut scratch.idx)
                }
            };
            return self.tail::<FAR>(w, out, scratch, m, isa);
        }
        let p = &mut scratch.p;
        if self.s == 1.0 {
            self.central::<false>(w, out, p);
        } else {
            self.central::<true>(w, out, p);
        }
        let m = tail_indices(&scratch.p, &mut scratch.idx, isa).min(PASS);
        self.tail::<FAR>(w, out, scratch, m, isa);
    }

    /// Every lane through the central branch, `LANES` at a time, each step over the whole
    /// array (so several independent vector instructions in a row, which the CPU overlaps;
    /// one loop body per vector left it waiting on each lane's long chain). Only the
    /// probabilities are kept (in `p`), to find the tail lanes. 32 lanes: the AVX2 build
    /// with 64 took 71.7 against 52.5 ms (one thread, `lecun_normal` 4096²).
    #[inline(always)]
    fn central<const SCALED: bool>(
        &self,
        w: &[u32; PASS],
        out: &mut [f32; PASS],
        p: &mut [f64; PASS],
    ) {
        const LANES: usize = 32;
        let sstd = self.sign * self.std;
        let ws = w.as_chunks::<LANES>().0;
        let ps = p.as_chunks_mut::<LANES>().0;
        for ((w, p), out) in ws.iter().zip(ps).zip(out.as_chunks_mut::<LANES>().0) {
            let mut sg = [0.0; LANES];
            for i in 0..LANES {
                let (pi, _, upper) = self.prob_k::<SCALED>(w[i]);
                p[i] = pi;
                sg[i] = if upper { -sstd } else { sstd };
            }
            let x = ppnd_central_n(p);
            for i in 0..LANES {
                out[i] = self.finish_signed(x[i], sg[i]);
            }
        }
    }

    /// The `m` tail lanes listed in `scratch.idx`: their probability again from the word
    /// (cheaper than keeping it for every lane), `ln`, the tail branch, their outputs.
    ///
    /// AVX-512: each step a loop over whole vectors of 8 lanes, the count rounded up (over
    /// the exact count LLVM ran the last few lanes as scalar code: 40.6 -> 39.7 ms); the
    /// extra lanes compute values of whatever index follows, never written. AVX2 and
    /// portable: loops over the exact count (whole vectors there measured 52.5 -> 70.6 ms).
    #[inline(always)]
    fn tail<const FAR: bool>(
        &self,
        w: &[u32; PASS],
        out: &mut [f32; PASS],
        scratch: &mut Scratch,
        m: usize,
        isa: Isa,
    ) {
        const V: usize = 8;
        let Scratch { lp, sg, x, idx, .. } = scratch;
        let n = if isa == Isa::Avx512 { m.next_multiple_of(V).min(PASS) } else { m };
        if isa == Isa::Avx512 {
            let (lps, xs) = (lp[..n].as_chunks_mut::<V>().0, x[..n].as_chunks_mut::<V>().0);
            let sgs = sg[..n].as_chunks_mut::<V>().0;
            let ids = idx[..n].as_chunks::<V>().0;
            for (((lp, x), sg), ids) in lps.iter_mut().zip(xs.iter_mut()).zip(sgs).zip(ids) {
                // SAFETY: this branch is the AVX-512 build, which runs only on CPUs with
                // AVX-512F (so AVX2).
                let words = unsafe { gather8(w, ids) };
                for k in 0..V {
                    let (_, pr, upper) = self.prob(words[k]);
                    lp[k] = pr;
                    (x[k], sg[k]) = if upper { (0.0, -self.sign) } else { (self.ln_s, self.sign) };
                }
            }
            for (lp, x) in lps.iter_mut().zip(xs.iter()) {
                for k in 0..V {
                    lp[k] = ln_f64_pos(lp[k]) + x[k];
                }
            }
            for (lp, x) in lps.iter().zip(xs.iter_mut()) {
                for k in 0..V {
                    x[k] = ppnd_tail::<FAR>(lp[k]);
                }
            }
        } else {
            for k in 0..n {
                let (_, pr, upper) = self.prob(w[usize::from(idx[k]) % PASS]);
                lp[k] = pr;
                (x[k], sg[k]) = if upper { (0.0, -self.sign) } else { (self.ln_s, self.sign) };
            }
            for k in 0..n {
                lp[k] = ln_f64_pos(lp[k]) + x[k];
            }
            for k in 0..n {
                x[k] = ppnd_tail::<FAR>(lp[k]);
            }
        }
        for k in 0..m {
            let i = usize::from(idx[k]) % PASS;
            out[i] = self.finish(x[k], sg[k]);
        }
    }
}

/// `w[ids[k] % PASS]` for eight indices, by one `vpgatherdd`: the tail's words, so that
/// their probabilities are one vector loop (gathered lane by lane, the probabilities were
/// scalar code, 6 % of a `lecun_normal` fill).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn gather8(w: &[u32; PASS], ids: &[u16; 8]) -> [u32; 8] {
    use std::arch::x86_64::*;
    // SAFETY: `ids` holds eight `u16` (16 bytes, unaligned load); every index is reduced
    // modulo `PASS` (a power of two) before the gather, so each reads inside `w`.
    unsafe {
        let i = _mm256_cvtepu16_epi32(_mm_loadu_si128(ids.as_ptr().cast()));
        let i = _mm256_and_si256(i, _mm256_set1_epi32(PASS as i32 - 1));
        let v = _mm256_i32gather_epi32::<4>(w.as_ptr().cast(), i);
        core::mem::transmute::<__m256i, [u32; 8]>(v)
    }
}

/// The working arrays of one pass of [`TruncK::run`], reused from pass to pass (every entry
/// a pass reads, it wrote first). Cache-line aligned, so that no vector access to them
/// splits a line: left to the stack's 8-byte alignment, the AVX2 fill's speed depended on
/// where the arrays happened to land, 51 or 65-72 ms for `lecun_normal` 4096² on one thread
/// between builds that changed unrelated code.
#[repr(align(64))]
struct Scratch {
    p: [f64; PASS],
    lp: [f64; PASS],
    sg: [f64; PASS],
    x: [f64; PASS],
    idx: [u16; PASS + 16],
}

/// For each 8-bit mask, the positions of its set bits, packed.
const POSITIONS: [[u16; 8]; 256] = {
    let mut t = [[0u16; 8]; 256];
    let mut mask = 0;
    while mask < 256 {
        let (mut n, mut j) = (0, 0);
        while j < 8 {
            if mask >> j & 1 == 1 {
                t[mask][n] = j as u16;
                n += 1;
            }
            j += 1;
        }
        mask += 1;
    }
    t
};

/// Writes the indices of the lanes of `p` that take AS 241's tail branch to `idx`, in order,
/// and returns how many there are (`idx` has room for the overshoot of the last write).
/// `isa`: the build running.
#[inline(always)]
fn tail_indices(p: &[f64; PASS], idx: &mut [u16; PASS + 16], isa: Isa) -> usize {
    match isa {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `isa` is `Avx2` only in the AVX2 build, which runs only on CPUs with AVX2
        // and POPCNT.
        Isa::Avx2 => unsafe { tail_indices_avx2(p, idx) },
        _ => {
            let mut m = 0;
            for (i, &pi) in p.iter().enumerate() {
                idx[m] = i as u16;
                m = (m + usize::from(!ppnd_is_central(pi))).min(PASS);
            }
            m
        }
    }
}

/// [`tail_indices`] eight lanes at a time: compare, `movemask`, and a table of packed
/// positions. Same result.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt")]
#[inline]
fn tail_indices_avx2(p: &[f64; PASS], idx: &mut [u16; PASS + 16]) -> usize {
    use std::arch::x86_64::*;
    let half = _mm256_set1_pd(0.5);
    let bound = _mm256_set1_pd(-0.425);
    let mut m = 0;
    for (c, oct) in p.as_chunks::<8>().0.iter().enumerate() {
        // SAFETY: `[f64; 4]` and `__m256d` have the same size; any bits are a valid `__m256d`.
        let [a, b] = unsafe { core::mem::transmute::<[f64; 8], [__m256d; 2]>(*oct) };
        // Central iff p - 0.5 >= -0.425, exactly as `ppnd_is_central`.
        let ca = _mm256_cmp_pd::<_CMP_GE_OQ>(_mm256_sub_pd(a, half), bound);
        let cb = _mm256_cmp_pd::<_CMP_GE_OQ>(_mm256_sub_pd(b, half), bound);
        let mask = !(_mm256_movemask_pd(ca) | _mm256_movemask_pd(cb) << 4) & 0xff;
        let mask = mask as usize;
        let pos = POSITIONS[mask].map(|j| j + 8 * c as u16);
        let m8 = m.min(PASS);
        idx[m8..m8 + 8].copy_from_slice(&pos);
        m = m8 + mask.count_ones() as usize;
    }
    m.min(PASS)
}

impl Kernel for TruncK {
    type Out = f32;
    const SHORT: bool = false;
    #[inline(always)]
    fn apply(&self, w: &[u32], out: &mut [f32], isa: Isa) {
        match self.reach {
            Reach::Near => self.run::<false>(w, out, isa),
            Reach::Far => self.run::<true>(w, out, isa),
            Reach::Deep => {
                for (o, &x) in out.iter_mut().zip(w) {
                    *o = self.value(x);
                }
            }
        }
    }
}
