//! [`Shard`]: how a plan's entries are split into files, as `huggingface_hub`'s
//! `split_state_dict_into_shards_factory` splits a state dict, and which rank writes each.

use super::dtype::FloatDtype;
use super::entry::{Entry, Source};
use super::plan::Plan;
use crate::error::{ErrorKind, InitError, Result};
use crate::state::Dtype;

/// Hugging Face's default `max_shard_size`, `"5GB"`: 5·10⁹ bytes.
pub const DEFAULT_MAX_SHARD_SIZE: u64 = 5_000_000_000;

/// The name of the single file of an unsharded checkpoint.
pub const SINGLE_FILE: &str = "model.safetensors";

/// The name of the index of a sharded checkpoint.
pub const INDEX_FILE: &str = "model.safetensors.index.json";

/// One file of a checkpoint: its name and the plan entries it holds, in plan order.
///
/// ```
/// use init_core::{FloatDtype, Init, Plan, Shard};
/// let mut plan = Plan::new();
/// plan.push("a", &[100], Init::Zeros)?.push("b", &[2000], Init::Ones)?.push("c", &[100], Init::Ones)?;
/// // 1000 bytes per shard in f32: `b` (8000 bytes) is alone, and comes first, as in Hugging Face.
/// let shards = Shard::split(&plan, FloatDtype::F32, 1000)?;
/// let names: Vec<&str> = shards.iter().map(|s| s.name()).collect();
/// assert_eq!(names, ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]);
/// assert_eq!(shards[0].keys(&plan).collect::<Vec<_>>(), ["b"]);
/// assert_eq!(shards[1].keys(&plan).collect::<Vec<_>>(), ["a", "c"]);
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shard {
    name: String,
    entries: Vec<usize>,
    bytes: u64,
}

impl Shard {
    /// Split `plan` (tied keys left out) into files of at most `max_shard_size` bytes of
    /// tensor data in `dtype`, greedily in plan order, as `huggingface_hub` does: an entry
    /// that does not fit in the current file closes it; an entry larger than the limit gets
    /// a file of its own, placed when it is met (before the file being filled). One file is
    /// `model.safetensors`; more are `model-0000k-of-0000n.safetensors`.
    /// Error: `max_shard_size` 0.
    pub fn split(plan: &Plan, dtype: FloatDtype, max_shard_size: u64) -> Result<Vec<Shard>> {
        if max_shard_size == 0 {
            let rule = "the max shard size must be at least 1 byte, got 0".to_string();
            return Err(InitError::new("", ErrorKind::Checkpoint { rule }));
        }
        let mut files: Vec<(Vec<usize>, u64)> = Vec::new();
        let (mut current, mut current_size) = (Vec::new(), 0u64);
        for (i, e) in plan.entries().iter().enumerate() {
            if matches!(e.source(), Source::Tied { .. }) {
                continue;
            }
            let size = stored_size(e, dtype);
            if size > max_shard_size {
                files.push((vec![i], size));
                continue;
            }
            if current_size + size > max_shard_size {
                files.push((std::mem::take(&mut current), current_size));
                current_size = 0;
            }
            current.push(i);
            current_size += size;
        }
        if !current.is_empty() || files.is_empty() {
            files.push((current, current_size));
        }
        let n = files.len();
        Ok(files
            .into_iter()
            .enumerate()
            .map(|(k, (entries, bytes))| {
                let name = if n == 1 {
                    SINGLE_FILE.to_string()
                } else {
                    format!("model-{:05}-of-{n:05}.safetensors", k + 1)
                };
                Shard { name, entries, bytes }
            })
            .collect())
    }

    /// The file name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The bytes of tensor data it holds (the header apart).
    pub fn data_bytes(&self) -> u64 {
        self.bytes
    }

    /// The positions in the plan of the entries it holds.
    pub fn entries(&self) -> &[usize] {
        &self.entries
    }

    /// The keys it holds, in plan order.
    pub fn keys<'p>(&self, plan: &'p Plan) -> impl Iterator<Item = &'p str> {
        self.entries.iter().map(move |&i| plan.entries()[i].key())
    }

    /// The rank of `world` that writes shard number `k` (from 0): round robin, `k mod world`.
    pub fn writer(k: usize, world: usize) -> usize {
        k % world.max(1)
    }
}

/// Bytes of `e` in a file of `dtype`: `i64` values stay 8 bytes each.
pub(super) fn stored_size(e: &Entry, dtype: FloatDtype) -> u64 {
    let per = match e.dtype() {
        Dtype::I64 => 8,
        Dtype::F32 => dtype.size() as u64,
    };
    e.numel() as u64 * per
}
