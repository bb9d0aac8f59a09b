//! [`Entry`] and [`Source`]: one key of a [`Plan`](super::Plan), and how its values are made,
//! any range of them alone.

use crate::error::{ErrorKind, InitError, Result};
use crate::param::Param;
use crate::rng::Seed;
use crate::schemes::Init;
use crate::state::{Dtype, Tensor};

/// How the values of one [`Entry`] are made.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Source {
    /// Filled by `init` over the entry's whole (global) shape with the stream of the entry's
    /// key, as [`Init::apply`] fills a parameter at that path; then each row of `zero_rows`
    /// (an index along axis 0) set to zero, as Embedding's `padding_idx` row is.
    Init {
        /// The scheme.
        init: Init,
        /// Rows set to zero after the fill.
        zero_rows: Vec<usize>,
    },
    /// These values (a buffer: running statistics, `num_batches_tracked`).
    Tensor(Tensor),
    /// The same parameter as `target` (weight tying). Hugging Face's `save_pretrained`
    /// leaves such a key out of its files, and so does the checkpoint writer.
    Tied {
        /// The key it is tied to.
        target: String,
    },
}

/// One state-dict key of a [`Plan`](super::Plan): its shape and how its values are made.
///
/// ```
/// use init_core::{Init, Plan, Seed, Source};
/// let mut plan = Plan::new();
/// plan.push("wte.weight", &[6, 4], Init::Normal { mean: 0.0, std: 0.02 })?;
/// let e = plan.get("wte.weight").unwrap();
/// assert_eq!((e.key(), e.shape(), e.numel()), ("wte.weight", &[6, 4][..], 24));
/// assert!(matches!(e.source(), Source::Init { .. }));
/// let mut row = [0.0f32; 4];
/// e.fill_range(&Seed::new(0), 8, &mut row)?; // row 2
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub(super) key: String,
    pub(super) shape: Vec<usize>,
    pub(super) source: Source,
}

impl Entry {
    /// The state-dict key (also the path that keys the random stream).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The (global) shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// How the values are made.
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// The number of elements.
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }

    /// The element type of the values: [`Dtype::I64`] for an `i64` tensor
    /// (`num_batches_tracked`), else [`Dtype::F32`].
    pub fn dtype(&self) -> Dtype {
        match &self.source {
            Source::Tensor(t) => t.dtype(),
            _ => Dtype::F32,
        }
    }

    /// Whether its values can be computed a range at a time without the whole tensor: an
    /// elementwise scheme, or literal values. `eye`, `dirac`, `orthogonal`, `sparse`,
    /// `delta_orthogonal` and `values` are computed whole (see [`Entry::values`]).
    pub fn is_elementwise(&self) -> bool {
        match &self.source {
            Source::Init { init, .. } => matches!(init.plan(&self.key, &self.shape), Ok(Some(_))),
            _ => true,
        }
    }

    /// Elements `offset..offset + out.len()` (row-major) of the values as `f32`, which are
    /// bit for bit those of the whole. A scheme that needs the whole tensor computes it
    /// (see [`Entry::values`]). Errors: a tied key (it has no values of its own), an `i64`
    /// tensor, a range outside the entry.
    pub fn fill_range(&self, seed: &Seed, offset: usize, out: &mut [f32]) -> Result<()> {
        let numel = self.numel();
        let end = offset.checked_add(out.len()).filter(|&e| e <= numel);
        if end.is_none() {
            let end = offset.saturating_add(out.len());
            let kind = ErrorKind::SliceOutOfBounds { start: offset, end, numel };
            return Err(InitError::new(&self.key, kind));
        }
        match &self.source {
            Source::Init { init, zero_rows } => {
                match init.plan(&self.key, &self.shape)? {
                    Some(_) => init.fill_slice(&self.key, &self.shape, offset, out, seed)?,
                    None => {
                        let whole = self.whole(init, seed)?;
                        out.copy_from_slice(&whole.as_slice()[offset..offset + out.len()]);
                    }
                }
                self.zero_rows_in(zero_rows, offset, out);
                Ok(())
            }
            Source::Tensor(Tensor::F32(a)) => {
                let flat: Vec<f32> = a.iter().copied().skip(offset).take(out.len()).collect();
                out.copy_from_slice(&flat);
                Ok(())
            }
            Source::Tensor(Tensor::I64(_)) => Err(self.no_f32("it holds i64 values")),
            Source::Tied { target } => Err(self.no_f32(&format!("it is tied to {target}"))),
        }
    }

    /// Every value as `f32`, computed whole: what a scheme that needs the whole tensor
    /// (`orthogonal`'s QR, `sparse`'s per-column choice) requires; memory is the tensor's.
    pub fn values(&self, seed: &Seed) -> Result<Vec<f32>> {
        let mut out = Vec::new();
        out.try_reserve_exact(self.numel()).map_err(|_| {
            let bytes = self.numel().saturating_mul(4);
            InitError::new(&self.key, ErrorKind::OutOfMemory { shape: self.shape.clone(), bytes })
        })?;
        out.resize(self.numel(), 0.0);
        self.fill_range(seed, 0, &mut out)?;
        Ok(out)
    }

    fn whole(&self, init: &Init, seed: &Seed) -> Result<Param> {
        let mut p = Param::try_zeros(&self.shape)?;
        init.fill(&mut p, &self.key, &mut seed.clone())?;
        Ok(p)
    }

    /// Zero the elements of `zero_rows` that fall in `offset..offset + out.len()`.
    pub(super) fn zero_rows_in(&self, zero_rows: &[usize], offset: usize, out: &mut [f32]) {
        let row_len = self.shape.iter().skip(1).product::<usize>();
        for &r in zero_rows {
            let (lo, hi) = (r * row_len, (r + 1) * row_len);
            let (a, b) = (lo.max(offset), hi.min(offset + out.len()));
            if a < b {
                out[a - offset..b - offset].fill(0.0);
            }
        }
    }

    fn no_f32(&self, why: &str) -> InitError {
        let rule = format!("this entry has no f32 values to compute: {why}");
        InitError::new(&self.key, ErrorKind::Checkpoint { rule })
    }
}
