//! [`Checkpoint`]: a plan written to a directory as Hugging Face's (sharded) safetensors
//! layout, by one rank of many, and [`WriteReport`], what it did.

use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::dtype::FloatDtype;
use super::fingerprint::fingerprint;
use super::index::index_json;
use super::plan::Plan;
use super::rank::Rank;
use super::shard_file::{Done, ShardFile};
use super::shards::{DEFAULT_MAX_SHARD_SIZE, INDEX_FILE, Shard};
use crate::error::{ErrorKind, FileError, InitError, Result};
use crate::rng::Seed;
use crate::safetensors::atomic::Temp;
use crate::safetensors::temp_names;

/// A [`Plan`]'s values for one seed, to be written as a checkpoint: Hugging Face's layout
/// (see [`Shard::split`]; `model.safetensors.index.json` when there is more than one file),
/// each file's `__metadata__` `{"format": "pt", "init_fingerprint": ...}`.
///
/// - **Streamed.** Values are computed a chunk at a time (on rayon's pool, the same bits at
///   any thread count) while the previous chunk is written: memory stays near 80 MiB
///   whatever the model size, except for a scheme that needs the whole tensor
///   (`orthogonal`, `sparse`, ...), which holds that one tensor.
/// - **Atomic.** Each file is written to an unnamed temporary file (a short-named one where
///   `O_TMPFILE` is missing), synced, then renamed to its name: nothing is ever under a
///   final name before it is complete, whatever kills the process. The index comes after
///   the rank's shards.
/// - **Ranks.** With [`rank`](Checkpoint::rank) `r` of `w`, this process writes shard `k`
///   when `k mod w = r` ([`Shard::writer`]), and rank 0 the index. The split depends only on
///   the plan, the dtype and the shard size, so the union of the files is the same bytes
///   for any `w`. By default the index does not wait for the other ranks (the checkpoint is
///   complete when every rank has returned `Ok`); with
///   [`wait_for_all`](Checkpoint::wait_for_all), rank 0 writes it only once every shard
///   file is complete in the directory (a file system the ranks share), so that an index
///   there means a whole checkpoint.
/// - **Reruns.** A shard file already there is skipped when it is complete and correct: a
///   regular file of the expected size whose header is, byte for byte, the one this run
///   would write. The header holds a fingerprint of the plan (keys, shapes, sources), the
///   seed, the dtype and the shard size, so a file of another plan or seed is rewritten.
///   The data itself is not read back.
///
/// ```
/// use init_core::{Checkpoint, FloatDtype, Init, Plan, safetensors::load};
/// let dir = std::env::temp_dir().join(format!("init-doc-ckpt-{}", std::process::id()));
/// let mut plan = Plan::new();
/// plan.push("wte.weight", &[100, 8], Init::Normal { mean: 0.0, std: 0.02 })?;
/// plan.push("ln_f.weight", &[8], Init::Ones)?;
/// let report = Checkpoint::new(&plan, 0).dtype(FloatDtype::BF16).max_shard_size(1000).write(&dir)?;
/// assert_eq!(report.written.len(), 2); // 1600 bytes of wte, then ln_f
/// assert!(dir.join("model-00001-of-00002.safetensors").is_file());
/// assert_eq!(report.index.as_deref(), Some(dir.join("model.safetensors.index.json").as_path()));
/// let again = Checkpoint::new(&plan, 0).dtype(FloatDtype::BF16).max_shard_size(1000).write(&dir)?;
/// assert_eq!((again.written.len(), again.skipped.len()), (0, 2));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Checkpoint<'p> {
    plan: &'p Plan,
    seed: u64,
    dtype: FloatDtype,
    max_shard_size: u64,
    rank: Rank,
    wait: Option<Duration>,
    fail_after: Option<u64>,
}

/// What [`Checkpoint::write`] did, in shard order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WriteReport {
    /// The shard files this rank wrote.
    pub written: Vec<PathBuf>,
    /// The shard files of this rank found complete and correct, left as they were.
    pub skipped: Vec<PathBuf>,
    /// The index, when this rank wrote one (rank 0 of a sharded checkpoint).
    pub index: Option<PathBuf>,
}

impl<'p> Checkpoint<'p> {
    /// The checkpoint of `plan` with `Seed::new(seed)`, in `f32`, 5 GB shards, one rank.
    pub fn new(plan: &'p Plan, seed: u64) -> Self {
        Checkpoint {
            plan,
            seed,
            dtype: FloatDtype::F32,
            max_shard_size: DEFAULT_MAX_SHARD_SIZE,
            rank: Rank::SINGLE,
            wait: None,
            fail_after: None,
        }
    }

    /// The float type of the files.
    #[must_use]
    pub fn dtype(mut self, dtype: FloatDtype) -> Self {
        self.dtype = dtype;
        self
    }

    /// The largest shard, in bytes of tensor data (Hugging Face's `max_shard_size`; 0 is an
    /// error when writing).
    #[must_use]
    pub fn max_shard_size(mut self, bytes: u64) -> Self {
        self.max_shard_size = bytes;
        self
    }

    /// Which rank this process is ([`Rank::from_env`] reads the launcher's).
    #[must_use]
    pub fn rank(mut self, rank: Rank) -> Self {
        self.rank = rank;
        self
    }

    /// Rank 0 writes the index only once every shard file (the other ranks' too) is
    /// complete in the directory, looking every 100 ms for at most `timeout`; past it, an
    /// error naming the files still missing. For ranks that share the output directory.
    #[must_use]
    pub fn wait_for_all(mut self, timeout: Duration) -> Self {
        self.wait = Some(timeout);
        self
    }

    /// Every shard of the checkpoint (see [`Shard::split`]).
    pub fn shards(&self) -> Result<Vec<Shard>> {
        Shard::split(self.plan, self.dtype, self.max_shard_size)
    }

    /// The shards this rank writes, with their numbers among all shards.
    pub fn my_shards(&self) -> Result<Vec<(usize, Shard)>> {
        let world = self.rank.world();
        Ok(self
            .shards()?
            .into_iter()
            .enumerate()
            .filter(|(k, _)| Shard::writer(*k, world) == self.rank.rank())
            .collect())
    }

    /// The fingerprint written in each shard's header (16 hex digits).
    pub fn fingerprint(&self) -> String {
        fingerprint(self.plan, self.seed, self.dtype, self.max_shard_size)
    }

    /// Write this rank's shards, and the index if it is rank 0 of a sharded checkpoint, into
    /// `dir` (created if missing). Errors name the file or the setting: a shard size of 0, a
    /// `dir` that is a file or cannot be written, a shard name held by a directory, a full
    /// disk; nothing is then left under a final name that was not there before.
    pub fn write(&self, dir: impl AsRef<Path>) -> Result<WriteReport> {
        self.write_with_progress(dir, &mut |_| {})
    }

    /// [`write`](Checkpoint::write), calling `progress` with the bytes of tensor data done
    /// so far by this rank (a skipped file counts whole), out of the sum of
    /// [`my_shards`](Checkpoint::my_shards)' [`data_bytes`](Shard::data_bytes).
    pub fn write_with_progress(
        &self,
        dir: impl AsRef<Path>,
        progress: &mut dyn FnMut(u64),
    ) -> Result<WriteReport> {
        let dir = dir.as_ref();
        let shards = self.shards()?;
        prepare_dir(dir)?;
        temp_names::remove_dead_writers(dir);
        let (seed, fp) = (Seed::new(self.seed), self.fingerprint());
        let mut report = WriteReport::default();
        let mut done = 0u64;
        for (k, shard) in shards.iter().enumerate() {
            if Shard::writer(k, self.rank.world()) != self.rank.rank() {
                continue;
            }
            let path = dir.join(shard.name());
            refuse_directory(&path)?;
            let file = ShardFile {
                plan: self.plan,
                shard,
                seed: &seed,
                dtype: self.dtype,
                fingerprint: &fp,
            };
            let base = done;
            let mut on = |n: u64| {
                done += n;
                progress(done);
            };
            let outcome = file.write(&path, &mut on, self.fail_after)?;
            done = base + shard.data_bytes();
            match outcome {
                Done::Written => report.written.push(path),
                Done::Skipped => report.skipped.push(path),
            }
        }
        if self.rank.rank() == 0 && shards.len() > 1 {
            if let Some(timeout) = self.wait {
                self.wait_for_shards(dir, &shards, &seed, &fp, timeout)?;
            }
            let path = dir.join(INDEX_FILE);
            refuse_directory(&path)?;
            write_atomic(&path, index_json(self.plan, &shards, self.dtype).as_bytes())?;
            report.index = Some(path);
        }
        Ok(report)
    }

    /// Wait until every shard file in `dir` is complete, or `timeout` has passed.
    fn wait_for_shards(
        &self,
        dir: &Path,
        shards: &[Shard],
        seed: &Seed,
        fp: &str,
        timeout: Duration,
    ) -> Result<()> {
        let start = Instant::now();
        let mut missing: Vec<&Shard> = shards.iter().collect();
        loop {
            missing.retain(|shard| {
                let file =
                    ShardFile { plan: self.plan, shard, seed, dtype: self.dtype, fingerprint: fp };
                !file.is_there(&dir.join(shard.name()))
            });
            if missing.is_empty() {
                return Ok(());
            }
            if start.elapsed() >= timeout {
                let names: Vec<&str> = missing.iter().map(|s| s.name()).collect();
                let rule = format!(
                    "waited {timeout:?} for the other ranks' shards; still missing or incomplete: {}",
                    names.join(", ")
                );
                return Err(InitError::new("", ErrorKind::Checkpoint { rule })
                    .in_file(dir.join(INDEX_FILE)));
            }
            std::thread::sleep(Duration::from_millis(100).min(timeout));
        }
    }

    /// Make the writes fail with "no space left" after `bytes` bytes of a shard (tests).
    #[cfg(test)]
    pub(super) fn fail_after(mut self, bytes: u64) -> Self {
        self.fail_after = Some(bytes);
        self
    }
}

/// Create `dir` if missing; an error naming it if it is not a directory or cannot be made.
fn prepare_dir(dir: &Path) -> Result<()> {
    let at = |e: io::Error, op: &str| {
        InitError::from(FileError::Io { op: op.into(), kind: e.kind(), message: e.to_string() })
            .in_file(dir)
    };
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(at(io::Error::from(io::ErrorKind::NotADirectory), "use the output directory")),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(|e| at(e, "create the output directory"))
        }
        Err(e) => Err(at(e, "look up the output directory")),
    }
}

/// An error if a directory holds the name a file is to be written under.
fn refuse_directory(path: &Path) -> Result<()> {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(InitError::from(FileError::IsDirectory).in_file(path));
    }
    Ok(())
}

/// Write `bytes` at `path` through a temporary file and a rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let io = |op: String, e: io::Error| {
        InitError::from(FileError::Io { op, kind: e.kind(), message: e.to_string() }).in_file(path)
    };
    let (tmp, mut file) = Temp::create(dir, false).map_err(|(op, e)| io(op, e))?;
    let shown = tmp.describe();
    file.write_all(bytes).map_err(|e| io(format!("write {shown}"), e))?;
    file.sync_all().map_err(|e| io(format!("sync {shown}"), e))?;
    tmp.place(file, path, || {}).map_err(|(op, e)| io(op, e))
}
