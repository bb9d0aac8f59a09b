//! `orthogonal` (PyTorch's `orthogonal_`, Saxe et al. 2014) and `delta_orthogonal` (Flax's
//! `delta_orthogonal`, Xiao et al. 2018).
//!
//! Both draw a Gaussian matrix from the generator and keep the `Q` of its reduced QR
//! decomposition, with the signs fixed so that `Q` is Haar-distributed (Mezzadri 2007).
//!
//! The QR is `faer`'s blocked Householder QR in `f32`, as PyTorch's is (LAPACK `sgeqrf` +
//! `sorgqr` on a float tensor), followed by an `orgqr`-style thin `Q`. Measured on the 2-core
//! machine of this project (QR + Q, quiet machine): 1024² 0.045 s in `f32`, 0.075 s in `f64`;
//! 2048² 0.25-0.27 s in `f32`, 0.49-0.55 s in `f64`; PyTorch's whole `orthogonal_` took
//! 0.07-0.08 s and 0.33-0.37 s in the same sessions. The `f32` orthogonality error
//! `max |QᵀQ - I|` stays below 5e-7 up to 2048² (`f64`: about 1e-8 after rounding to `f32`),
//! far inside the 1e-5 the tests require, so `f32` it is. faer runs with a fixed split into
//! tasks on the rayon pool (`PAR`): a split that followed the pool's size would change the
//! rounding, and so the bits, with the number of threads.

use std::num::NonZeroUsize;

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::householder::{
    apply_block_householder_on_the_left_in_place_scratch,
    apply_block_householder_on_the_left_in_place_with_conj,
};
use faer::linalg::qr::no_pivoting::factor::{
    QrParams, qr_in_place, qr_in_place_scratch, recommended_block_size,
};
use faer::reborrow::{Reborrow, ReborrowMut};
use faer::{Conj, Mat, MatMut, MatRef, Par, Spec};
use rayon::prelude::*;

use super::{Init, transpose};
use crate::check;
use crate::error::{ErrorKind, InitError, Result};
use crate::param::{Param, ParamTarget};
use crate::rng::{Dist, Generator};

/// The standard normal the Gaussian matrix is drawn from.
const STANDARD_NORMAL: Dist = Dist::STANDARD_NORMAL;

/// The largest `|gain|`: the entries of `Q` are at most 1 in magnitude, give or take
/// rounding, so `gain * Q` stays a finite `f32` with a factor 2 to spare.
const GAIN_LIMIT: f64 = f32::MAX as f64 / 2.0;

/// faer's parallelism: a fixed split into 4 tasks on the rayon pool, whatever its size, so
/// that the result is the same at any thread count (it runs on 1 thread as well as on 64).
const PAR: Par = Par::Rayon(NonZeroUsize::new(4).unwrap());

/// The rules of `orthogonal(gain)` for a tensor of `shape`.
pub(crate) fn check_orthogonal(path: &str, shape: &[usize], gain: f64) -> Result<()> {
    check::rank(path, shape, "orthogonal", "at least 2 dimensions", |n| n >= 2)?;
    check::finite_f32(path, "orthogonal", "gain", gain)?;
    crate::rng::overflow(path, "orthogonal", "|gain|", gain.abs(), GAIN_LIMIT)
}

/// The rules of `delta_orthogonal(gain)` for a tensor of `shape`.
pub(crate) fn check_delta_orthogonal(path: &str, shape: &[usize], gain: f64) -> Result<()> {
    let scheme = "delta_orthogonal";
    check::rank(path, shape, scheme, "3, 4 or 5 dimensions", |n| (3..=5).contains(&n))?;
    check::finite_f32(path, scheme, "gain", gain)?;
    crate::rng::overflow(path, scheme, "|gain|", gain.abs(), GAIN_LIMIT)?;
    if shape[0] < shape[1] {
        let shape = shape.to_vec();
        return Err(InitError::new(path, ErrorKind::DeltaOrthogonalChannels { shape }));
    }
    Ok(())
}

/// `gain` times a (semi-)orthogonal matrix into `param` (see [`orthogonal`]).
pub(crate) fn fill_orthogonal(
    param: &mut Param,
    path: &str,
    gain: f64,
    rng: &mut dyn Generator,
) -> Result<()> {
    check_orthogonal(path, param.shape(), gain)?;
    let numel = param.numel();
    if numel == 0 {
        return Ok(());
    }
    let rows = param.shape()[0];
    let cols = numel / rows;
    let mut work = Work::new(path, rows, cols)?;
    // The parameter's own memory holds the Gaussian draws, then the result.
    let data = param.as_slice_mut();
    rng.fill(path, STANDARD_NORMAL, data);
    orthonormalize(data, rows, cols, gain as f32, &mut work);
    Ok(())
}

/// A delta-orthogonal kernel into `param` (see [`delta_orthogonal`]).
pub(crate) fn fill_delta_orthogonal(
    param: &mut Param,
    path: &str,
    gain: f64,
    rng: &mut dyn Generator,
) -> Result<()> {
    check_delta_orthogonal(path, param.shape(), gain)?;
    let shape = param.shape();
    let (out_ch, in_ch) = (shape[0], shape[1]);
    if param.numel() == 0 {
        return Ok(());
    }
    let spatial = &shape[2..];
    let taps: usize = spatial.iter().product();
    let centre = spatial.iter().fold(0, |acc, &k| acc * k + k / 2);
    let len = out_ch * in_ch;
    let mut work = Work::new(path, out_ch, in_ch)?;
    let data = param.as_slice_mut();
    // The first `out * in` elements hold the draws, then the matrix.
    rng.fill(path, STANDARD_NORMAL, &mut data[..len]);
    orthonormalize(&mut data[..len], out_ch, in_ch, gain as f32, &mut work);
    // Spread element t of the matrix to the centre tap of its (out, in) kernel, zeroing the
    // rest. Going downwards, block t starts at t * taps >= t, past every element not yet read.
    for t in (0..len).rev() {
        let v = data[t];
        let block = &mut data[t * taps..(t + 1) * taps];
        block.fill(0.0);
        block[centre] = v;
    }
    Ok(())
}

/// The working copy of a `rows x cols` matrix for [`orthonormalize`]: 64-byte aligned, as
/// faer aligns its own matrices.
struct Work(Vec<f32>);

impl Work {
    /// Allocated before anything is drawn or written, so that a refusal leaves the parameter
    /// and the generator as they were: [`ErrorKind::OutOfMemory`] naming `path`.
    fn new(path: &str, rows: usize, cols: usize) -> Result<Work> {
        // 16 floats more, to align the start.
        let len = rows * cols + 16;
        let buf = crate::param::zeroed_vec(len).ok_or_else(|| {
            let bytes = len.saturating_mul(size_of::<f32>());
            InitError::new(path, ErrorKind::OutOfMemory { shape: vec![rows, cols], bytes })
        })?;
        Ok(Work(buf))
    }

    /// The aligned `len` floats.
    fn slice(&mut self, len: usize) -> &mut [f32] {
        let off = self.0.as_ptr().align_offset(64).min(16);
        &mut self.0[off..off + len]
    }
}

/// Replace the row-major `rows x cols` matrix in `data` (both > 0) by `gain * Q`, PyTorch's
/// recipe: `Q` from the reduced QR of the matrix (of its transpose when `rows < cols`, and
/// transposed back), columns times `sign(diag(R))`, a zero diagonal counting as `+1`.
fn orthonormalize(data: &mut [f32], rows: usize, cols: usize, gain: f32, work: &mut Work) {
    let (m, n) = (rows.max(cols), rows.min(cols));
    let work = work.slice(m * n);
    if rows >= cols {
        // faer factors column-major matrices: factor a transposed copy, then build Q in
        // `data` itself, seen as the row-major m x n matrix it is.
        //
        // Q is built column-major too (in `data`, seen so): faer applied the reflections to a
        // row-major Q 15-30 % slower, which costs more than the copy and the transpose back.
        let a = work;
        transpose::transpose(data, m, n, a, None);
        let (scale, coeff) = factor(MatMut::from_column_major_slice_mut(a, m, n), gain);
        super::plan::fill_const(data, 0.0);
        let mut q = MatMut::from_column_major_slice_mut(data, m, n);
        q.rb_mut().diagonal_mut().fill(1.0);
        thin_q(MatRef::from_column_major_slice(a, m, n), &coeff, q);
        // `a` is free again: hold Q there, then write it back row-major with the sign fix.
        a.par_chunks_mut(1 << 16).zip(data.par_chunks(1 << 16)).for_each(|(d, s)| {
            d.copy_from_slice(s);
        });
        transpose::transpose(a, n, m, data, Some(&scale));
    } else {
        // Read column-major, `data` is the transpose (m x n): factor it in place; row i of the
        // result is column i of Q.
        let mut a = MatMut::from_column_major_slice_mut(data, m, n);
        let (scale, coeff) = factor(a.as_mut(), gain);
        let mut q = MatMut::from_column_major_slice_mut(work, m, n);
        q.rb_mut().diagonal_mut().fill(1.0);
        thin_q(a.rb(), &coeff, q.rb_mut());
        for ((row, &s), col) in data.chunks_exact_mut(cols).zip(&scale).zip(work.chunks_exact(m)) {
            for (dst, &x) in row.iter_mut().zip(col) {
                *dst = x * s;
            }
        }
    }
    // faer's kernels leave the upper vector state dirty: clear it (see `upper_state.rs`).
    super::upper_state::clear();
}

/// Factor `a` (`m x n`, `m >= n`) in place into Householder vectors (below the diagonal) and
/// `R` (on and above it). Returns, per column, the factor `±gain` of the sign fix (PyTorch
/// multiplies by `sign(R[j, j])`, then by `gain`: the same roundings as one multiply by
/// `±gain`) and the block factors of the Householder sequence.
fn factor(mut a: MatMut<'_, f32>, gain: f32) -> (Vec<f32>, Mat<f32>) {
    let (m, n) = a.shape();
    let block = recommended_block_size::<f32>(m, n);
    // Panels factored column by column, not recursively: measured 1.3-2x faster for the QR
    // of 1024² and 2048² matrices.
    let mut params = Spec::<QrParams, f32>::default();
    params.blocking_threshold = usize::MAX;
    let mut coeff = Mat::<f32>::zeros(block, n);
    let mut mem = MemBuffer::new(qr_in_place_scratch::<f32>(m, n, block, PAR, params));
    qr_in_place(a.as_mut(), coeff.as_mut(), PAR, MemStack::new(&mut mem), params);
    let scale = (0..n).map(|j| if a[(j, j)] < 0.0 { -gain } else { gain }).collect();
    (scale, coeff)
}

/// Turn `q`, holding the first `n` columns of the identity, into the first `n` columns of
/// `Q = H_0 H_1 ... H_(n-1)`, from the Householder vectors below the diagonal of the factored
/// `m x n` matrix `a` (`m >= n`) and the block factors `coeff`.
///
/// As LAPACK's `orgqr`, the blocks are applied last to first and each only to the columns it
/// can change (columns left of block `j` are still unit vectors, zero in rows `>= j`): 4/3 n^3
/// flops for a square matrix instead of the 2 n^3 of applying the whole sequence to `I`.
fn thin_q(a: MatRef<'_, f32>, coeff: &Mat<f32>, mut q: MatMut<'_, f32>) {
    let (m, n) = a.shape();
    let block = coeff.nrows();
    let mut mem =
        MemBuffer::new(apply_block_householder_on_the_left_in_place_scratch::<f32>(m, block, n));
    let stack = MemStack::new(&mut mem);
    // The factorization's blocks start at 0, block, 2 * block, ...; the last one may be short.
    let mut end = n;
    let mut size = match n % block {
        0 => block,
        r => r,
    };
    while end > 0 {
        let start = end - size;
        apply_block_householder_on_the_left_in_place_with_conj(
            a.get(start.., start..end),
            coeff.get(..size, start..end),
            Conj::No,
            q.rb_mut().get_mut(start.., start..),
            PAR,
            stack,
        );
        end = start;
        size = block;
    }
}

/// `orthogonal_` / `delta_orthogonal` with named arguments: [`orthogonal`] or
/// [`delta_orthogonal`], then [`gain`](Orthogonal::gain), [`fill`](Orthogonal::fill).
#[derive(Clone, Copy, Debug, PartialEq)]
#[must_use = "a scheme does nothing until `fill` is called"]
pub struct Orthogonal {
    gain: f64,
    delta: bool,
}

/// Fill a parameter with a (semi-)orthogonal matrix times `gain`, as PyTorch's `orthogonal_`
/// (default `gain = 1`).
///
/// The parameter (at least 2-D) is seen as a `rows x cols` matrix, `rows = shape[0]` and the
/// trailing dimensions flattened into `cols`. A `rows x cols` matrix of `N(0, 1)` draws comes
/// from `rng` (row-major, for the handle's path); if `rows < cols` it is transposed; its reduced QR gives
/// `Q` with orthonormal columns, whose column `j` is multiplied by the sign of `R[j, j]`; `Q`
/// is transposed back and written, times `gain`. So the rows are orthonormal when
/// `rows <= cols` and the columns when `rows >= cols` (times `gain`).
///
/// Differences from PyTorch: the QR is `faer`'s, not LAPACK's, so the values agree with
/// PyTorch's to rounding (about `1e-6`), not bit for bit, even with a
/// [`TorchGenerator`](crate::TorchGenerator) that reproduces the Gaussian draws; the bits are
/// the same at any thread count, but may differ between CPUs with different SIMD. A zero
/// `R[j, j]` (only possible for degenerate draws) keeps the column's sign (PyTorch's
/// `sign(0) = 0` would zero the column). A parameter with no elements is left as it is and
/// nothing is drawn.
///
/// ```
/// use init_core::{self as init, Param, Seed};
/// let mut w = Param::zeros(&[2, 3]);
/// init::orthogonal().fill(w.at("fc.weight"), &mut Seed::new(0))?;
/// let r = w.as_slice();
/// let dot = |a: usize, b: usize| (0..3).map(|k| r[3 * a + k] * r[3 * b + k]).sum::<f32>();
/// assert!((dot(0, 0) - 1.0).abs() < 1e-6 && dot(0, 1).abs() < 1e-6);
/// // A bias cannot be orthogonal:
/// let mut b = Param::zeros(&[4]);
/// let err = init::orthogonal().fill(b.at("fc.bias"), &mut Seed::new(0)).unwrap_err();
/// assert_eq!(err.to_string(), "fc.bias: orthogonal needs a tensor with at least 2 dimensions, got shape [4]");
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn orthogonal() -> Orthogonal {
    Orthogonal { gain: 1.0, delta: false }
}

/// Fill a convolution kernel with a delta-orthogonal initialization (Xiao et al. 2018, as
/// Flax's `delta_orthogonal`, default `gain = 1`), in PyTorch's layout `(out, in, *kernel)`.
///
/// The kernel (3, 4 or 5 dimensions, `out >= in`) is zero except at the spatial centre (index
/// `k / 2` in every spatial dimension, the same tap as [`dirac`](super::dirac)), where the
/// `out x in` matrix has orthonormal columns, times `gain`. That matrix is made as
/// [`orthogonal`] makes one: `out * in` draws of `N(0, 1)` from `rng` for the handle's path, reduced QR,
/// sign fix. For odd kernels this is Flax's layout transposed; for even kernels Flax puts the
/// centre at `(k - 1) / 2` instead. A kernel with no elements is left as it is.
///
/// ```
/// use init_core::{self as init, Param, Seed};
/// let mut w = Param::zeros(&[4, 2, 3]);
/// init::delta_orthogonal().fill(w.at("conv.weight"), &mut Seed::new(1))?;
/// let w = w.view();
/// let norm0: f32 = (0..4).map(|o| w[[o, 0, 1]] * w[[o, 0, 1]]).sum();
/// assert!((norm0 - 1.0).abs() < 1e-6);
/// assert_eq!(w[[3, 1, 0]], 0.0);
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn delta_orthogonal() -> Orthogonal {
    Orthogonal { gain: 1.0, delta: true }
}

impl Orthogonal {
    /// The factor of the orthogonal matrix (default 1).
    pub fn gain(self, gain: f64) -> Self {
        Orthogonal { gain, ..self }
    }

    /// Fill `param` with draws from `rng`, keyed by the handle's path; its
    /// [`origin`](crate::Param::origin) becomes the scheme (`"orthogonal(gain = 2.0)"`).
    pub fn fill(self, param: impl ParamTarget, rng: &mut dyn Generator) -> Result<()> {
        Init::from(self).apply(param, rng)
    }
}

impl From<Orthogonal> for Init {
    fn from(Orthogonal { gain, delta }: Orthogonal) -> Init {
        if delta { Init::DeltaOrthogonal { gain } } else { Init::Orthogonal { gain } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Seed;

    /// max |G - gain² I| where G is the Gram matrix of the rows (wide) or columns (tall).
    fn gram_error(w: &[f32], rows: usize, cols: usize, gain: f64) -> f64 {
        let at = |i: usize, j: usize| f64::from(w[i * cols + j]);
        let (n, len, tall) = (rows.min(cols), rows.max(cols), rows >= cols);
        let v = |a: usize, k: usize| if tall { at(k, a) } else { at(a, k) };
        let mut worst = 0.0f64;
        for a in 0..n {
            for b in a..n {
                let dot: f64 = (0..len).map(|k| v(a, k) * v(b, k)).sum();
                let want = if a == b { gain * gain } else { 0.0 };
                worst = worst.max((dot - want).abs());
            }
        }
        worst
    }

    fn ortho(shape: &[usize], gain: f64, seed: u64) -> Param {
        let mut p = Param::zeros(shape);
        fill_orthogonal(&mut p, "w", gain, &mut Seed::new(seed)).unwrap();
        p
    }

    #[test]
    fn orthogonal_is_orthogonal_to_1e5() {
        for shape in [&[256, 256][..], &[300, 100], &[100, 300], &[64, 16, 3, 3]] {
            for gain in [1.0, 2.0] {
                let p = ortho(shape, gain, 3);
                let rows = shape[0];
                let cols = p.numel() / rows;
                let err = gram_error(p.as_slice(), rows, cols, gain);
                assert!(err <= 1e-5, "shape {shape:?} gain {gain}: {err}");
            }
        }
    }

    #[test]
    fn orthogonal_uses_the_generator() {
        let a = ortho(&[5, 7], 1.0, 1);
        let b = ortho(&[5, 7], 1.0, 1);
        let c = ortho(&[5, 7], 1.0, 2);
        let bits = |p: &Param| p.as_slice().iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a), bits(&b));
        assert_ne!(bits(&a), bits(&c));
    }

    #[test]
    fn orthogonal_bits_do_not_depend_on_the_thread_count() {
        let run = |threads| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let p = pool.install(|| ortho(&[300, 200], 1.0, 8));
            p.as_slice().iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        };
        assert_eq!(run(1), run(3));
    }

    #[test]
    fn orthogonal_of_degenerate_draws_is_still_orthogonal() {
        // Draws that are all 0 or all 1 (rank 0 and 1): R has zero diagonal entries, which
        // count as +1, so the result is still orthonormal (PyTorch would zero those columns).
        struct Constant(f32);
        impl Generator for Constant {
            fn fill(&mut self, _: &str, _: Dist, out: &mut [f32]) {
                out.fill(self.0);
            }
            fn fill_bits(&mut self, _: &str, _: u64, out: &mut [u32]) {
                out.fill(0);
            }
        }
        for c in [0.0, 1.0] {
            for (rows, cols) in [(4, 4), (5, 3), (3, 5), (300, 200)] {
                let mut p = Param::zeros(&[rows, cols]);
                fill_orthogonal(&mut p, "w", 1.0, &mut Constant(c)).unwrap();
                assert!(gram_error(p.as_slice(), rows, cols, 1.0) <= 1e-5, "{c} {rows}x{cols}");
            }
        }
        let mut p = Param::zeros(&[2, 3]);
        fill_orthogonal(&mut p, "w", 1.0, &mut Constant(0.0)).unwrap();
        assert_eq!(p.as_slice(), &[1.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
    }

    #[test]
    fn orthogonal_matches_pytorch_to_rounding() {
        // The first values of torch.manual_seed(0); nn.init.orthogonal_(torch.empty(3, 5)) and
        // (7, 5), torch 2.15 (tests/fixtures/torch_init.txt): same draws and signs, QR rounding
        // apart (all 15 and 35 values agree to 2.4e-7).
        let wide = [0x3f05b0e8, 0xbdcba782, 0xbf3d060a, 0x3e454285, 0xbebc2d9e, 0xbf0956b6];
        let tall = [0xbf031c26, 0xbe35ba2e, 0xbe520e90, 0xbe5ae76f, 0x3effa04f, 0x3ea12d1d];
        let cases: [(&[usize], [u32; 6]); 2] = [(&[3, 5], wide), (&[7, 5], tall)];
        for (shape, head) in cases {
            let mut p = Param::zeros(shape);
            fill_orthogonal(&mut p, "w", 1.0, &mut crate::TorchGenerator::new(0)).unwrap();
            for (got, want) in p.as_slice().iter().zip(head) {
                assert!((got - f32::from_bits(want)).abs() <= 1e-6, "{shape:?}: {got} vs {want:x}");
            }
        }
    }

    #[test]
    fn orthogonal_keeps_the_sign_convention() {
        // Q = the normalised draws for one column: R's diagonal is positive, so Q = A / |A|.
        let mut drawn = vec![0.0f32; 4];
        Seed::new(9).fill("w", STANDARD_NORMAL, &mut drawn);
        let p = ortho(&[4, 1], 1.0, 9);
        let norm = drawn.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
        for (q, d) in p.as_slice().iter().zip(&drawn) {
            assert!((f64::from(*q) - f64::from(*d) / norm).abs() < 1e-7);
        }
    }

    #[test]
    fn orthogonal_errors_and_empty() {
        let mut g = Seed::new(0);
        let err = fill_orthogonal(&mut Param::zeros(&[3]), "fc.bias", 1.0, &mut g).unwrap_err();
        assert_eq!(
            err.to_string(),
            "fc.bias: orthogonal needs a tensor with at least 2 dimensions, got shape [3]"
        );
        let err = fill_orthogonal(&mut Param::zeros(&[2, 2]), "w", f64::NAN, &mut g).unwrap_err();
        assert_eq!(err.to_string(), "w: orthogonal: argument `gain` must be finite, got NaN");
        let mut empty = Param::zeros(&[0, 3]);
        fill_orthogonal(&mut empty, "w", 1.0, &mut g).unwrap();
        assert_eq!(empty.shape(), &[0, 3]);
    }

    #[test]
    fn delta_orthogonal_centre_is_orthogonal_and_rest_zero() {
        for (shape, centre) in [
            (&[6, 4, 3][..], vec![1]),
            (&[8, 8, 4, 4], vec![2, 2]),
            (&[5, 3, 3, 2, 1], vec![1, 1, 0]),
        ] {
            let mut p = Param::from_array(ndarray::ArrayD::from_elem(shape, 7.0));
            fill_delta_orthogonal(&mut p, "conv.weight", 2.0, &mut Seed::new(4)).unwrap();
            let (out_ch, in_ch) = (shape[0], shape[1]);
            let mut m = vec![0.0f32; out_ch * in_ch];
            for (idx, &v) in p.view().indexed_iter() {
                let idx = ndarray::Dimension::slice(&idx);
                if idx[2..] == centre[..] {
                    m[idx[0] * in_ch + idx[1]] = v;
                } else {
                    assert_eq!(v, 0.0, "{shape:?} at {idx:?}");
                }
            }
            assert!(gram_error(&m, out_ch, in_ch, 2.0) <= 1e-5);
        }
    }

    #[test]
    fn delta_orthogonal_errors() {
        let mut g = Seed::new(0);
        let err = fill_delta_orthogonal(&mut Param::zeros(&[3, 4, 3]), "conv.weight", 1.0, &mut g)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "conv.weight: delta_orthogonal needs out_channels >= in_channels (dim 0 >= dim 1), got shape [3, 4, 3]"
        );
        let err = fill_delta_orthogonal(&mut Param::zeros(&[4, 4]), "fc.weight", 1.0, &mut g)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "fc.weight: delta_orthogonal needs a tensor with 3, 4 or 5 dimensions, got shape [4, 4]"
        );
        let err = fill_delta_orthogonal(&mut Param::zeros(&[4, 4, 1]), "w", f64::INFINITY, &mut g)
            .unwrap_err();
        assert_eq!(err.to_string(), "w: delta_orthogonal: argument `gain` must be finite, got inf");
        fill_delta_orthogonal(&mut Param::zeros(&[4, 2, 0]), "w", 1.0, &mut g).unwrap();
    }
}
