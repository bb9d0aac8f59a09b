//! Tensor-parallel blocks: any N-d block of an entry, filled alone with fans and bounds from
//! the entry's global shape, and Megatron's splits ([`TensorParallel`]).

use std::ops::Range;

use super::entry::{Entry, Source};
use crate::error::{ErrorKind, InitError, Result};
use crate::rng::Seed;
use crate::schemes::plan::{Plan as Resolved, fill_const};

/// How Megatron-LM splits a parameter over `size` tensor-parallel ranks.
///
/// ```
/// use init_core::{Init, Plan, Seed, TensorParallel};
/// let mut plan = Plan::new();
/// plan.push("mlp.fc1.weight", &[10, 6], Init::XavierNormal { gain: 1.0, axes: Default::default() })?;
/// let e = plan.get("mlp.fc1.weight").unwrap();
/// let whole = e.values(&Seed::new(0))?;
/// // Column-parallel over 4 ranks: rows 3..6 are rank 1's (10 rows split 3, 3, 2, 2).
/// let block = TensorParallel::Column.block(e.shape(), 1, 4)?;
/// assert_eq!(block, vec![3..6, 0..6]);
/// let mut mine = vec![0.0f32; 3 * 6];
/// e.fill_block(&Seed::new(0), &block, &mut mine)?;
/// assert_eq!(&mine[..], &whole[18..36]);
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TensorParallel {
    /// `ColumnParallelLinear`: the weight's output rows (axis 0), and the bias with them.
    Column,
    /// `RowParallelLinear`: the weight's input columns (axis 1); the bias is not split.
    Row,
    /// `VocabParallelEmbedding`: the embedding's rows (axis 0, the vocabulary).
    Vocab,
}

impl TensorParallel {
    /// The axis it splits.
    pub fn axis(self) -> usize {
        match self {
            TensorParallel::Column | TensorParallel::Vocab => 0,
            TensorParallel::Row => 1,
        }
    }

    /// The block of a parameter of `shape` that rank `rank` of `size` holds: its axis split
    /// as `torch.tensor_split` splits it (the first `len % size` ranks get one more; Megatron
    /// itself requires `size` to divide it), every other axis whole. A 1-D parameter split
    /// on axis 1 (a row-parallel bias) is whole on every rank. Errors: `size` 0, `rank` not
    /// below `size`, a 0-D shape.
    pub fn block(self, shape: &[usize], rank: usize, size: usize) -> Result<Vec<Range<usize>>> {
        if size == 0 || rank >= size {
            return Err(rule(format!("tensor-parallel rank {rank} of {size} does not exist")));
        }
        if shape.is_empty() {
            return Err(rule("a 0-d tensor has no axis to split".into()));
        }
        let mut block: Vec<Range<usize>> = shape.iter().map(|&d| 0..d).collect();
        if let Some(r) = block.get_mut(self.axis()) {
            *r = split(shape[self.axis()], size, rank);
        }
        Ok(block)
    }
}

/// Part `index` of `len` split into `parts` as `torch.tensor_split` does: the first
/// `len % parts` parts hold one more element.
///
/// ```
/// assert_eq!(init_core::split_range(10, 4, 0), 0..3);
/// assert_eq!(init_core::split_range(10, 4, 3), 8..10);
/// ```
pub fn split_range(len: usize, parts: usize, index: usize) -> Range<usize> {
    split(len, parts, index)
}

fn split(len: usize, parts: usize, index: usize) -> Range<usize> {
    let (q, r) = (len / parts, len % parts);
    let start = index * q + index.min(r);
    start..start + q + usize::from(index < r)
}

impl Entry {
    /// Fill `out` (row-major, the block's shape) with the block `block` (one range per axis)
    /// of the values: bit for bit that block of [`Entry::values`], fans and bounds from the
    /// global shape. An elementwise scheme computes only the block; a scheme that needs the
    /// whole tensor computes it and copies the block. Errors: a block of another rank than
    /// the entry, a range outside its axis, `out` not the block's size, what
    /// [`Entry::fill_range`] refuses.
    pub fn fill_block(&self, seed: &Seed, block: &[Range<usize>], out: &mut [f32]) -> Result<()> {
        let shape = self.shape();
        if block.len() != shape.len() {
            let (b, s) = (block.len(), shape.len());
            return Err(self.block_error(format!("a block of {b} axes for a tensor of {s}")));
        }
        if let Some((i, r)) =
            block.iter().enumerate().find(|(i, r)| r.start > r.end || r.end > shape[*i])
        {
            let d = shape[i];
            return Err(self.block_error(format!("range {r:?} of axis {i} is outside 0..{d}")));
        }
        let numel: usize = block.iter().map(|r| r.len()).product();
        if out.len() != numel {
            return Err(
                self.block_error(format!("the block has {numel} elements, out {}", out.len()))
            );
        }
        if numel == 0 {
            return Ok(());
        }
        let (run, strides) = runs(shape, block);
        match self.resolved()? {
            Some((resolved, zero_rows)) => {
                let key = self.key();
                for_each_run(block, &strides, run, |offset, k| {
                    let dst = &mut out[k * run..(k + 1) * run];
                    match resolved {
                        Resolved::Draw(dist) => seed.fill_at(key, dist, offset as u64, dst),
                        Resolved::Const(v) => fill_const(dst, v),
                    }
                    self.zero_rows_in(zero_rows, offset, dst);
                });
            }
            None => {
                let whole = self.values(seed)?;
                for_each_run(block, &strides, run, |offset, k| {
                    out[k * run..(k + 1) * run].copy_from_slice(&whole[offset..offset + run]);
                });
            }
        }
        Ok(())
    }

    /// The elementwise fill of a scheme entry, resolved for its global shape, with its zero
    /// rows; `None` for the other sources and for schemes that need the whole tensor.
    fn resolved(&self) -> Result<Option<(Resolved, &[usize])>> {
        match self.source() {
            Source::Init { init, zero_rows } => {
                Ok(init.plan(self.key(), self.shape())?.map(|r| (r, zero_rows.as_slice())))
            }
            _ => Ok(None),
        }
    }

    fn block_error(&self, what: String) -> InitError {
        let shape = self.shape();
        InitError::new(
            self.key(),
            ErrorKind::Checkpoint { rule: format!("{what} (shape {shape:?})") },
        )
    }
}

/// The length of the block's contiguous runs in the row-major whole (its last axis, merged
/// with the axes before it while the axes after them are whole), and the whole's strides.
fn runs(shape: &[usize], block: &[Range<usize>]) -> (usize, Vec<usize>) {
    let mut strides = vec![1usize; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        strides[i] = strides[i + 1] * shape[i + 1];
    }
    let mut run = 1;
    for i in (0..shape.len()).rev() {
        run *= block[i].len();
        if block[i].len() != shape[i] {
            break;
        }
    }
    (run, strides)
}

/// Call `f(offset in the whole, run number)` for each contiguous run of the block, in
/// row-major order.
fn for_each_run(
    block: &[Range<usize>],
    strides: &[usize],
    run: usize,
    mut f: impl FnMut(usize, usize),
) {
    let numel: usize = block.iter().map(|r| r.len()).product();
    let base: usize = block.iter().zip(strides).map(|(r, s)| r.start * s).sum();
    // The axes that index runs: those before the run's first axis.
    let mut inner = 1;
    let mut first = block.len();
    while first > 0 && inner < run {
        first -= 1;
        inner *= block[first].len();
    }
    let outer = &block[..first];
    let mut idx = vec![0usize; outer.len()];
    for k in 0..numel / run {
        let offset = base + idx.iter().zip(strides).map(|(i, s)| i * s).sum::<usize>();
        f(offset, k);
        for a in (0..idx.len()).rev() {
            idx[a] += 1;
            if idx[a] < outer[a].len() {
                break;
            }
            idx[a] = 0;
        }
    }
}

fn rule(rule: String) -> InitError {
    InitError::new("", ErrorKind::Checkpoint { rule })
}
