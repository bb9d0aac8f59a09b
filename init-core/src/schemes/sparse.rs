//! `sparse`: PyTorch's `sparse_` (Martens 2010), a normal matrix with a fixed share of zeros in
//! every column.

use super::Init;
use crate::check;
use rayon::prelude::*;

use crate::error::{ErrorKind, InitError, Result};
use crate::param::{Param, ParamTarget};
use crate::rng::{Dist, Generator};

/// The rules of `sparse(sparsity, std)` for a tensor of `shape`; its non-zero values'
/// distribution.
pub(crate) fn check_sparse(path: &str, shape: &[usize], sparsity: f64, std: f64) -> Result<Dist> {
    check::rank(path, shape, "sparse", "exactly 2 dimensions", |n| n == 2)?;
    let unit = |v: f64| (0.0..1.0).contains(&v);
    check::finite_and(path, "sparse", "sparsity", sparsity, "in [0, 1)", unit)?;
    check::non_negative(path, "sparse", "std", std)?;
    check::finite_f32(path, "sparse", "std", std)?;
    Dist::checked_normal(path, "sparse", ("mean", 0.0), ("std", std))
}

/// The sparse matrix into a 2-D `param` (see [`sparse`]).
pub(crate) fn fill_sparse(
    param: &mut Param,
    path: &str,
    sparsity: f64,
    std: f64,
    rng: &mut dyn Generator,
) -> Result<()> {
    let dist = check_sparse(path, param.shape(), sparsity, std)?;
    let (rows, cols) = (param.shape()[0], param.shape()[1]);
    if rows == 0 || cols == 0 {
        return Ok(());
    }
    // sparsity < 1 keeps this <= rows; `min` guards the conversion anyway.
    let num_zeros = ((sparsity * rows as f64).ceil() as usize).min(rows);
    // Which entries become zero, one bit each, row-major (1/32 of the parameter): set column
    // by column from the permutations, then applied row by row. Zeroing column by column
    // stored to a random row of the whole matrix each time, a cache miss per zero (3/4 of
    // the fill's own time at 4096²). Allocated before anything is drawn.
    let words_per_row = cols.div_ceil(64);
    let mut zero = Vec::new();
    zero.try_reserve_exact(rows * words_per_row).map_err(|_| {
        let bytes = (rows * words_per_row).saturating_mul(size_of::<u64>());
        InitError::new(path, ErrorKind::OutOfMemory { shape: vec![rows, cols], bytes })
    })?;
    zero.resize(rows * words_per_row, 0u64);
    let data = param.as_slice_mut();
    rng.fill(path, dist, data);

    let draws = rows - 1;
    // randperm's swaps from the front: entry i is final after step i, so only the steps that
    // settle the first `num_zeros` entries are run. A sequential generator draws all
    // `rows - 1` words of each column regardless, to stay in step with PyTorch; a
    // counter-based one has each word at a fixed position, so it draws only the ones used.
    let used = num_zeros.min(draws);
    let mut words = vec![0u32; if rng.is_sequential() { draws } else { used }];
    let mut perm: Vec<usize> = (0..rows).collect();
    let mut steps = vec![0usize; used];
    for c in 0..cols {
        rng.fill_bits(path, (c * draws) as u64, &mut words);
        for (i, (&w, z)) in words.iter().zip(&mut steps).enumerate() {
            // `w mod (rows - i)`, in 32 bits where the divisor fits (the same value; a 64-bit
            // division is several times slower).
            *z = match u32::try_from(rows - i) {
                Ok(n) => (w % n) as usize,
                Err(_) => w as usize,
            };
            perm.swap(i, i + *z);
        }
        for &r in &perm[..num_zeros] {
            zero[r * words_per_row + c / 64] |= 1 << (c % 64);
        }
        // Undo the swaps, last first: `perm` is the identity again for the next column
        // (cheaper than rewriting all `rows` entries).
        for (i, &z) in steps.iter().enumerate().rev() {
            perm.swap(i, i + z);
        }
    }
    data.par_chunks_mut(cols).zip(zero.par_chunks(words_per_row)).for_each(|(row, bits)| {
        for (k, &b) in bits.iter().enumerate() {
            let mut b = b;
            while b != 0 {
                row[64 * k + b.trailing_zeros() as usize] = 0.0;
                b &= b - 1;
            }
        }
    });
    Ok(())
}

/// `sparse_` with named arguments: [`sparse`], then [`std`](Sparse::std),
/// [`fill`](Sparse::fill).
#[derive(Clone, Copy, Debug, PartialEq)]
#[must_use = "a scheme does nothing until `fill` is called"]
pub struct Sparse {
    sparsity: f64,
    std: f64,
}

/// Fill a 2-D parameter with `N(0, std)` draws, then zero `ceil(sparsity * rows)` of the
/// entries of every column, as PyTorch's `sparse_(tensor, sparsity, std=0.01)`.
///
/// The rows to zero in column `c` are the first `num_zeros` entries of a random permutation of
/// `0..rows`, computed as `torch.randperm(rows)` does for `rows < 2^32 / 20` (reference
/// §4.8) from `rows - 1` words of [`Generator::fill_bits`] at offset `c * (rows - 1)` of the handle's path. With a
/// [`TorchGenerator`](crate::TorchGenerator) the normal draws and the words come from the same
/// stream in PyTorch's order, which matches `sparse_` called without a `generator=` (PyTorch
/// always takes the permutation from its global generator). Every column gets exactly
/// `num_zeros` zeros (plus a normal draw that is exactly `0.0`, which practically never
/// happens).
///
/// `sparsity` must be in `[0, 1)` and `std` (default 0.01) finite, `>= 0` and at most `f32::MAX / 10` (the
/// values would overflow beyond).
///
/// ```
/// use init_core::{self as init, Param, Seed};
/// let mut w = Param::zeros(&[10, 4]);
/// init::sparse(0.25).fill(w.at("fc.weight"), &mut Seed::new(0))?;
/// let view = w.view();
/// for c in 0..4 {
///     assert_eq!(view.index_axis(ndarray::Axis(1), c).iter().filter(|&&x| x == 0.0).count(), 3); // ceil(2.5)
/// }
/// let err = init::sparse(1.0).fill(w.at("fc.weight"), &mut Seed::new(0)).unwrap_err();
/// assert_eq!(err.to_string(), "fc.weight: sparse: argument `sparsity` must be in [0, 1), got 1.0");
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn sparse(sparsity: f64) -> Sparse {
    Sparse { sparsity, std: 0.01 }
}

impl Sparse {
    /// The standard deviation of the non-zero values (default 0.01).
    pub fn std(self, std: f64) -> Self {
        Sparse { std, ..self }
    }

    /// Fill `param` with draws from `rng`, keyed by the handle's path; its
    /// [`origin`](crate::Param::origin) becomes the scheme (`"sparse(sparsity = 0.25)"`).
    pub fn fill(self, param: impl ParamTarget, rng: &mut dyn Generator) -> Result<()> {
        Init::from(self).apply(param, rng)
    }
}

impl From<Sparse> for Init {
    fn from(Sparse { sparsity, std }: Sparse) -> Init {
        Init::Sparse { sparsity, std }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Seed;

    fn zeros_per_column(p: &Param) -> Vec<usize> {
        let view = p.view();
        (0..p.shape()[1])
            .map(|c| view.index_axis(ndarray::Axis(1), c).iter().filter(|&&x| x == 0.0).count())
            .collect()
    }

    #[test]
    fn exact_zero_count_per_column() {
        for (rows, cols, sparsity, want) in [
            (100, 30, 0.1, 10),
            (100, 30, 0.0, 0),
            (7, 5, 0.5, 4),
            (1, 3, 0.5, 1),
            (1, 3, 0.0, 0),
            (64, 64, 0.99, 64),
            (10, 1, 0.01, 1),
            (513, 9, 0.3, 154),
            // Columns across words of the zero bitmap (64 per word), a last word part-used.
            (77, 130, 0.2, 16),
            (5, 200, 0.6, 3),
        ] {
            let mut p = Param::zeros(&[rows, cols]);
            fill_sparse(&mut p, "fc.weight", sparsity, 1.0, &mut Seed::new(rows as u64)).unwrap();
            assert_eq!(
                zeros_per_column(&p),
                vec![want; cols],
                "({rows}, {cols}) sparsity {sparsity}"
            );
        }
    }

    #[test]
    fn only_the_zeroed_entries_differ_from_the_normal_draws() {
        // The same draws as `normal(0, std)` for the path, with exactly the zeros set.
        let (rows, cols) = (77, 130);
        let mut p = Param::zeros(&[rows, cols]);
        fill_sparse(&mut p, "fc.weight", 0.2, 0.5, &mut Seed::new(9)).unwrap();
        let mut normal = vec![0f32; rows * cols];
        Seed::new(9).fill("fc.weight", Dist::normal(0.0, 0.5).unwrap(), &mut normal);
        let changed = p.as_slice().iter().zip(&normal).filter(|(a, b)| a.to_bits() != b.to_bits());
        assert!(changed.clone().all(|(a, _)| *a == 0.0));
        assert_eq!(changed.count(), 16 * cols);
    }

    #[test]
    fn matches_pytorch_bit_for_bit() {
        // torch.manual_seed(0); nn.init.sparse_(torch.empty(3, 5), 0.5, std=1.0), torch 2.15
        // (tests/fixtures/torch_init.txt), and the generator is left where PyTorch leaves it.
        let want: [u32; 15] = [
            0x3fc53f5c, 0xbe963c50, 0xc00b7149, 0x3f1184b6, 0, 0, 0, 0, 0, 0xbece830b, 0, 0, 0, 0,
            0,
        ];
        let mut g = crate::TorchGenerator::new(0);
        let mut p = Param::zeros(&[3, 5]);
        fill_sparse(&mut p, "w", 0.5, 1.0, &mut g).unwrap();
        assert_eq!(p.as_slice().iter().map(|x| x.to_bits()).collect::<Vec<_>>(), want);
        let mut next = [0.0f32];
        g.fill("w", Dist::uniform(0.0, 1.0).unwrap(), &mut next);
        assert_eq!(next[0].to_bits(), 0x3f15a7d8);
    }

    #[test]
    fn permutation_follows_randperm() {
        // A generator whose words are all 0 makes randperm the identity: rows 0..num_zeros.
        struct ZeroBits;
        impl Generator for ZeroBits {
            fn fill(&mut self, _: &str, _: Dist, out: &mut [f32]) {
                out.fill(1.0);
            }
            fn fill_bits(&mut self, _: &str, _: u64, out: &mut [u32]) {
                out.fill(0);
            }
        }
        let mut p = Param::zeros(&[5, 2]);
        fill_sparse(&mut p, "w", 0.4, 1.0, &mut ZeroBits).unwrap();
        assert_eq!(p.as_slice(), &[0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]);
    }

    #[test]
    fn uses_the_generator() {
        let run = |seed| {
            let mut p = Param::zeros(&[20, 6]);
            fill_sparse(&mut p, "w", 0.5, 0.01, &mut Seed::new(seed)).unwrap();
            p.as_slice().iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        };
        assert_eq!(run(1), run(1));
        assert_ne!(run(1), run(2));
    }

    #[test]
    fn errors() {
        let mut g = Seed::new(0);
        let mut w = Param::zeros(&[4, 4]);
        let err = fill_sparse(&mut Param::zeros(&[4, 4, 4]), "conv.weight", 0.1, 0.01, &mut g)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "conv.weight: sparse needs a tensor with exactly 2 dimensions, got shape [4, 4, 4]"
        );
        let err = fill_sparse(&mut w, "fc.weight", -0.1, 0.01, &mut g).unwrap_err();
        assert_eq!(
            err.to_string(),
            "fc.weight: sparse: argument `sparsity` must be in [0, 1), got -0.1"
        );
        let err = fill_sparse(&mut w, "fc.weight", f64::NAN, 0.01, &mut g).unwrap_err();
        assert_eq!(
            err.to_string(),
            "fc.weight: sparse: argument `sparsity` must be finite, got NaN"
        );
        let err = fill_sparse(&mut w, "fc.weight", 0.1, -1.0, &mut g).unwrap_err();
        assert_eq!(err.to_string(), "fc.weight: sparse: argument `std` must be >= 0, got -1.0");
        let err = fill_sparse(&mut w, "fc.weight", 0.1, f64::INFINITY, &mut g).unwrap_err();
        assert_eq!(err.to_string(), "fc.weight: sparse: argument `std` must be finite, got inf");
        let mut empty = Param::zeros(&[0, 3]);
        fill_sparse(&mut empty, "w", 0.5, 1.0, &mut g).unwrap();
    }
}
