//! One shard file: its header, its data computed chunk by chunk while the previous chunk
//! is written, the atomic placing under its name, and the check that lets a rerun skip a
//! file already complete and correct.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::mpsc::sync_channel;

use rayon::prelude::*;

use super::direct::DirectOut;
use super::dtype::FloatDtype;
use super::entry::{Entry, Source};
use super::plan::Plan;
use super::shards::{Shard, stored_size};
use crate::error::{FileError, InitError, Result};
use crate::rng::Seed;
use crate::safetensors::atomic::Temp;
use crate::safetensors::write::FailAfter;
use crate::state::{Dtype, Tensor};

/// Elements computed at a time: 16 MiB of `f32`. With the chunk being computed, two
/// queued and the one being written, a writer holds about 80 MiB whatever the model size.
const CHUNK: usize = 1 << 22;

/// What a shard file holds and how to make it.
pub(super) struct ShardFile<'a> {
    pub(super) plan: &'a Plan,
    pub(super) shard: &'a Shard,
    pub(super) seed: &'a Seed,
    pub(super) dtype: FloatDtype,
    /// Goes into the header's `__metadata__` (`init_fingerprint`).
    pub(super) fingerprint: &'a str,
}

/// Whether a shard was written or found complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Done {
    Written,
    Skipped,
}

impl ShardFile<'_> {
    /// The header (length prefix included): `__metadata__` first
    /// (`{"format":"pt","init_fingerprint":...}`), then the entries in plan order; the data
    /// holds the `I64` tensors first, then the floats, so each starts at a multiple of its
    /// element size.
    pub(super) fn header(&self) -> Vec<u8> {
        let mut at = 0u64;
        let mut offsets = vec![(0u64, 0u64); self.shard.entries().len()];
        for pass_i64 in [true, false] {
            for (k, e) in self.entries().enumerate() {
                if (e.dtype() == Dtype::I64) == pass_i64 {
                    let size = stored_size(e, self.dtype);
                    offsets[k] = (at, at + size);
                    at += size;
                }
            }
        }
        let fp = &self.fingerprint;
        let mut h = format!(r#"{{"__metadata__":{{"format":"pt","init_fingerprint":"{fp}"}}"#);
        for (e, (start, end)) in self.entries().zip(offsets) {
            let dtype = match e.dtype() {
                Dtype::I64 => "I64".to_string(),
                Dtype::F32 => self.dtype.to_string(),
            };
            let shape: Vec<String> = e.shape().iter().map(usize::to_string).collect();
            let key = serde_json::to_string(e.key()).unwrap_or_default();
            h.push_str(&format!(
                r#",{key}:{{"dtype":"{dtype}","shape":[{}],"data_offsets":[{start},{end}]}}"#,
                shape.join(",")
            ));
        }
        h.push('}');
        let mut h = h.into_bytes();
        h.resize(h.len().next_multiple_of(8), b' ');
        let mut out = (h.len() as u64).to_le_bytes().to_vec();
        out.extend_from_slice(&h);
        out
    }

    fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.shard.entries().iter().map(|&i| &self.plan.entries()[i])
    }

    /// The entries in data order: `I64` first, then the floats.
    fn data_order(&self) -> Vec<&Entry> {
        let (mut ints, floats): (Vec<&Entry>, Vec<&Entry>) =
            self.entries().partition(|e| e.dtype() == Dtype::I64);
        ints.extend(floats);
        ints
    }

    /// Whether the file at `path` is complete and correct (see [`is_complete`]).
    pub(super) fn is_there(&self, path: &Path) -> bool {
        let header = self.header();
        let total = header.len() as u64 + self.shard.data_bytes();
        is_complete(path, &header, total)
    }

    /// Write the file at `path` unless a complete one with this header is there already.
    /// `progress` gets the bytes of data as they are written (all of them at once for a
    /// skipped file). `fail_after` makes the writes fail after that many bytes (tests).
    pub(super) fn write(
        &self,
        path: &Path,
        progress: &mut dyn FnMut(u64),
        fail_after: Option<u64>,
    ) -> Result<Done> {
        if self.is_there(path) {
            progress(self.shard.data_bytes());
            return Ok(Done::Skipped);
        }
        let header = self.header();
        let dir = path.parent().unwrap_or(Path::new("."));
        let io = |op: String, e: io::Error| {
            InitError::from(FileError::Io { op, kind: e.kind(), message: e.to_string() })
                .in_file(path)
        };
        let (tmp, file) = Temp::create(dir, false).map_err(|(op, e)| io(op, e))?;
        let shown = tmp.describe();
        let storage_full = || io::Error::from(io::ErrorKind::StorageFull);
        let mut out =
            FailAfter { inner: DirectOut::new(&file), left: fail_after, fail: storage_full };
        out.write_all(&header).map_err(|e| io(format!("write {shown}"), e))?;
        self.stream_data(&mut out, progress).map_err(|e| match e {
            Failure::Io(e) => io(format!("write {shown}"), e),
            Failure::Values(e) => e.in_file(path),
        })?;
        out.inner.finish().map_err(|e| io(format!("write {shown}"), e))?;
        file.sync_all().map_err(|e| io(format!("sync {shown}"), e))?;
        tmp.place(file, path, || {}).map_err(|(op, e)| io(op, e))?;
        Ok(Done::Written)
    }

    /// Compute the data on another thread, a chunk at a time, while this one writes.
    fn stream_data(
        &self,
        out: &mut impl Write,
        progress: &mut dyn FnMut(u64),
    ) -> Result<(), Failure> {
        let (send, recv) = sync_channel::<Result<Vec<u8>>>(2);
        // Written chunks go back to be filled again: no fresh pages to fault in per chunk.
        let (give_back, spare) = sync_channel::<Vec<u8>>(4);
        std::thread::scope(|s| {
            s.spawn(move || {
                let mut take = || spare.try_recv().unwrap_or_default();
                for e in self.data_order() {
                    let mut emit = |bytes| send.send(Ok(bytes)).is_ok();
                    if let Err(err) = self.entry_chunks(e, CHUNK, &mut take, &mut emit) {
                        let _ = send.send(Err(err));
                        return;
                    }
                }
            });
            for chunk in recv {
                let bytes = chunk.map_err(Failure::Values)?;
                out.write_all(&bytes).map_err(Failure::Io)?;
                progress(bytes.len() as u64);
                let _ = give_back.try_send(bytes);
            }
            Ok(())
        })
    }

    /// Hand `e`'s bytes to `emit`, a chunk at a time, each encoded into a buffer from
    /// `take`; stops early when `emit` says the receiver is gone.
    fn entry_chunks(
        &self,
        e: &Entry,
        chunk: usize,
        take: &mut dyn FnMut() -> Vec<u8>,
        emit: &mut dyn FnMut(Vec<u8>) -> bool,
    ) -> Result<()> {
        if let Source::Tensor(Tensor::I64(a)) = e.source() {
            let bytes: Vec<u8> = a.iter().flat_map(|v| v.to_le_bytes()).collect();
            emit(bytes);
            return Ok(());
        }
        let n = e.numel();
        let whole = if e.is_elementwise() { None } else { Some(e.values(self.seed)?) };
        let mut values = vec![0.0f32; n.min(chunk)];
        let mut start = 0;
        while start < n {
            let len = (n - start).min(chunk);
            let vals = match &whole {
                Some(w) => &w[start..start + len],
                None => {
                    e.fill_range(self.seed, start, &mut values[..len])?;
                    &values[..len]
                }
            };
            let mut bytes = take();
            encode_into(self.dtype, vals, &mut bytes);
            if !emit(bytes) {
                return Ok(());
            }
            start += len;
        }
        Ok(())
    }
}

/// `values` in `dtype`, little-endian, encoded in parallel into `out` (its old bytes
/// replaced, its allocation reused).
fn encode_into(dtype: FloatDtype, values: &[f32], out: &mut Vec<u8>) {
    const PIECE: usize = 1 << 16;
    let size = dtype.size();
    out.clear();
    out.resize(values.len() * size, 0);
    out.par_chunks_mut(PIECE * size)
        .zip(values.par_chunks(PIECE))
        .for_each(|(o, v)| dtype.encode_into(v, o));
}

/// Whether `path` is a regular file of `total` bytes that starts with `header`: what this
/// run would write there, since the header holds the fingerprint of the plan, the seed and
/// the dtype, and nothing is ever left under a shard's name before it is complete.
fn is_complete(path: &Path, header: &[u8], total: u64) -> bool {
    let Ok(meta) = std::fs::symlink_metadata(path) else { return false };
    if !meta.is_file() || meta.len() != total {
        return false;
    }
    let mut got = vec![0u8; header.len()];
    File::open(path).and_then(|mut f| f.read_exact(&mut got)).is_ok() && got == header
}

/// A failure while streaming: the file, or the values.
enum Failure {
    Io(io::Error),
    Values(InitError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schemes::Init;

    /// Chunks of 7 elements (never a whole row) put together are the entry's values,
    /// encoded whole: for a drawn entry with a zeroed row, and a whole-tensor scheme.
    #[test]
    fn chunks_put_together_are_the_whole() {
        let mut plan = Plan::new();
        plan.push("e", &[9, 5], Init::Normal { mean: 0.0, std: 1.0 }).unwrap();
        plan.zero_row("e", 4).unwrap();
        plan.push("o", &[6, 4], Init::Orthogonal { gain: 1.0 }).unwrap();
        let shards = Shard::split(&plan, FloatDtype::BF16, 1 << 20).unwrap();
        let seed = Seed::new(3);
        let file = ShardFile {
            plan: &plan,
            shard: &shards[0],
            seed: &seed,
            dtype: FloatDtype::BF16,
            fingerprint: "0",
        };
        for e in plan.entries() {
            let mut got = Vec::new();
            file.entry_chunks(e, 7, &mut Vec::new, &mut |b| {
                assert!(b.len() <= 14);
                got.extend(b);
                true
            })
            .unwrap();
            let mut whole = Vec::new();
            encode_into(FloatDtype::BF16, &e.values(&seed).unwrap(), &mut whole);
            assert_eq!(got, whole, "{}", e.key());
        }
    }
}
