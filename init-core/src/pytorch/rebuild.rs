//! From the tensors a pickle describes (views into storages) to [`Tensor`]s: every view checked
//! against its storage's entry and the total size against the file before anything is
//! allocated, then each tensor read, its entry's CRC checked, converted to `f32` or `i64`.
//!
//! A tensor that is its whole storage in order (what `state_dict()` saves, almost always) is
//! streamed from the file in 1 MiB pieces; the other views (an offset, strides, a transposed
//! or expanded tensor, a slice of a shared storage) are read one storage at a time: the
//! storage's entry is read whole, once for all the views into it, and each view gathers its
//! elements in row-major order.

use std::collections::HashMap;

use rayon::prelude::*;

use super::crc32::Crc32;
use super::decode::{self, Decoded};
use super::pickle::value::{Storage, StorageDtype, TensorRef};
use super::source::Source;
use super::zip::{self, Archive, CHUNK, Entry};
use crate::error::FileError;
use crate::param::try_zeroed;
use crate::safetensors::{Conversion, SourceDtype};
use crate::state::Tensor;

/// The bytes of tensors a file of `len` bytes may give: 4 times its size plus 64 MiB (a
/// half-precision file doubles in `f32`, a tied weight is two keys on one storage).
pub(super) fn budget(len: u64) -> u64 {
    len.saturating_mul(4).saturating_add(64 << 20)
}

/// One tensor, checked and ready to read.
pub(super) struct Planned<'a> {
    pub key: String,
    storage: &'a Storage,
    entry: &'a Entry,
    view: &'a TensorRef,
    shape: Vec<usize>,
    numel: usize,
    /// The storage elements the view spans, `lo..hi` (empty when it has no element).
    span: (u64, u64),
}

fn bad(key: &str, rule: String) -> FileError {
    FileError::BadTensor { key: key.to_string(), rule }
}

/// Check `view` (the tensor at `key`) against its storage and the archive.
pub(super) fn plan<'a>(
    key: String,
    view: &'a TensorRef,
    storages: &'a [Storage],
    archive: &'a Archive,
    prefix: &str,
) -> Result<Planned<'a>, FileError> {
    let Some(storage) = storages.get(view.storage as usize) else {
        return Err(bad(&key, "refers to a storage the pickle never named".into()));
    };
    if storage.dtype.size() == 0 {
        return Err(bad(
            &key,
            format!(
                "storage type torch.{} is not read; FloatStorage, HalfStorage, BFloat16Storage and DoubleStorage load as f32, LongStorage and BoolStorage as i64",
                storage.dtype.name()
            ),
        ));
    }
    let name = format!("{prefix}/data/{}", storage.key);
    let Some(entry) = archive.get(&name) else {
        return Err(bad(
            &key,
            format!("its storage `{}` has no entry `{name}` in the archive", storage.key),
        ));
    };
    let size = storage.dtype.size();
    if storage.numel.checked_mul(size) != Some(entry.size) {
        return Err(bad(
            &key,
            format!(
                "its storage `{}` holds {} elements of {size} bytes, but its entry has {} bytes",
                storage.key, storage.numel, entry.size
            ),
        ));
    }
    let overflow =
        || bad(&key, format!("shape {:?} has more elements than can be addressed", view.shape));
    let mut shape = Vec::with_capacity(view.shape.len());
    let (mut numel, mut nonzero) = (1usize, 1usize);
    for &d in &view.shape {
        let d = usize::try_from(d).map_err(|_| overflow())?;
        numel = numel.checked_mul(d).ok_or_else(overflow)?;
        nonzero = nonzero
            .checked_mul(d.max(1))
            .filter(|&n| n <= isize::MAX as usize)
            .ok_or_else(overflow)?;
        shape.push(d);
    }
    let span = if numel == 0 {
        (view.offset, view.offset)
    } else {
        let mut last = Some(view.offset);
        for (&d, &s) in view.shape.iter().zip(&view.stride) {
            last = last.and_then(|l| l.checked_add((d - 1).checked_mul(s)?));
        }
        let end = last.and_then(|l| l.checked_add(1)).filter(|&e| e <= storage.numel);
        let Some(end) = end else {
            return Err(bad(
                &key,
                format!(
                    "view (offset {}, shape {:?}, stride {:?}) reaches past its storage `{}` of {} elements",
                    view.offset, view.shape, view.stride, storage.key, storage.numel
                ),
            ));
        };
        (view.offset, end)
    };
    if view.offset > storage.numel {
        return Err(bad(
            &key,
            format!(
                "offset {} is past the end of its storage `{}` of {} elements",
                view.offset, storage.key, storage.numel
            ),
        ));
    }
    Ok(Planned { key, storage, entry, view, shape, numel, span })
}

impl Planned<'_> {
    /// The bytes the tensor takes once loaded.
    pub fn out_bytes(&self) -> u64 {
        let size = if matches!(self.storage.dtype, StorageDtype::Long | StorageDtype::Bool) {
            8
        } else {
            4
        };
        (self.numel as u64).saturating_mul(size)
    }

    /// The conversion its dtype makes, if any.
    pub fn conversion(&self) -> Option<Conversion> {
        let from = match self.storage.dtype {
            StorageDtype::Half => SourceDtype::F16,
            StorageDtype::BFloat16 => SourceDtype::BF16,
            StorageDtype::Double => SourceDtype::F64,
            StorageDtype::Bool => SourceDtype::Bool,
            _ => return None,
        };
        Some(Conversion { key: self.key.clone(), from })
    }

    /// Whether the tensor is its whole storage, in order.
    fn is_whole(&self) -> bool {
        let mut expected = 1u64;
        for (&d, &s) in self.view.shape.iter().zip(&self.view.stride).rev() {
            if d != 1 && s != expected {
                return false;
            }
            expected = expected.saturating_mul(d);
        }
        self.view.offset == 0 && self.numel as u64 == self.storage.numel
    }

    /// Stream the tensor, which is its whole storage in order, from its entry in pieces.
    fn stream(&self, archive: &Archive, src: &dyn Source, big: bool) -> Result<Tensor, FileError> {
        let start = archive.data_start(src, self.entry)?;
        if self.storage.dtype == StorageDtype::Float && !big && cfg!(target_endian = "little") {
            return self.read_in_place(start, src);
        }
        let size = self.storage.dtype.size() as usize;
        let mut crc = Crc32::new();
        let mut out =
            Decoded::with_capacity(self.storage.dtype, self.numel).ok_or_else(|| self.oom())?;
        let mut buf = vec![0; CHUNK.min(self.entry.size as usize)];
        let mut at = 0u64;
        while at < self.entry.size {
            let n = CHUNK.min((self.entry.size - at) as usize);
            let piece = &mut buf[..n];
            src.read_at(start + at, piece)?;
            crc.update(piece);
            out.extend(self.storage.dtype, piece, size, big);
            at += n as u64;
        }
        zip::check_crc(self.entry, crc)?;
        out.into_tensor(&self.shape).ok_or_else(|| self.overflow())
    }

    /// A little-endian `f32` storage on a little-endian machine: its bytes are the values, read
    /// straight into the tensor's memory (zeroed pages, mapped in one call, written once),
    /// CRC-checked there.
    fn read_in_place(&self, start: u64, src: &dyn Source) -> Result<Tensor, FileError> {
        let mut array = try_zeroed(&self.shape).map_err(|_| self.oom())?;
        let values = array.as_slice_mut().ok_or_else(|| self.overflow())?;
        let bytes = decode::f32_bytes_mut(values);
        decode::populate(bytes);
        // `plan` checked: numel elements of 4 bytes are the entry's size.
        if bytes.len() as u64 != self.entry.size {
            return Err(self.overflow());
        }
        let mut crc = Crc32::new();
        for (i, piece) in bytes.chunks_mut(CHUNK).enumerate() {
            src.read_at(start + (i * CHUNK) as u64, piece)?;
            crc.update(piece);
        }
        zip::check_crc(self.entry, crc)?;
        Ok(Tensor::F32(array))
    }

    /// A copy of `tensor`, the same storage under this key: its pages mapped at once.
    fn copy_of(&self, tensor: &Tensor) -> Result<Tensor, FileError> {
        Ok(match tensor {
            Tensor::F32(a) => {
                let mut copy = try_zeroed(a.shape()).map_err(|_| self.oom())?;
                if let Some(values) = copy.as_slice_mut() {
                    decode::populate(decode::f32_bytes_mut(values));
                }
                copy.assign(a);
                Tensor::F32(copy)
            }
            other => other.clone(),
        })
    }

    /// The whole storage, read, CRC-checked and converted (for the views into it).
    fn read_storage(
        &self,
        archive: &Archive,
        src: &dyn Source,
        big: bool,
    ) -> Result<Decoded, FileError> {
        let start = archive.data_start(src, self.entry)?;
        let mut bytes = Vec::new();
        bytes.try_reserve_exact(self.entry.size as usize).map_err(|_| self.oom())?;
        bytes.resize(self.entry.size as usize, 0);
        src.read_at(start, &mut bytes)?;
        let mut crc = Crc32::new();
        crc.update(&bytes);
        zip::check_crc(self.entry, crc)?;
        let mut all = Decoded::with_capacity(self.storage.dtype, self.storage.numel as usize)
            .ok_or_else(|| self.oom())?;
        all.extend(self.storage.dtype, &mut bytes, self.storage.dtype.size() as usize, big);
        Ok(all)
    }

    /// The view's elements, gathered from its decoded storage.
    fn gather_from(&self, storage: &Decoded) -> Result<Tensor, FileError> {
        let from = self.span.0 as usize;
        storage
            .gather(from, &self.shape, &self.view.stride)
            .into_tensor(&self.shape)
            .ok_or_else(|| self.overflow())
    }

    fn overflow(&self) -> FileError {
        bad(&self.key, format!("shape {:?} has more elements than can be addressed", self.shape))
    }

    fn oom(&self) -> FileError {
        bad(&self.key, format!("{} bytes could not be allocated", self.out_bytes()))
    }
}

/// Read every planned tensor, in the plans' order. The views are read one storage at a time:
/// each storage that views look into is read once, however many keys view it, so no file
/// makes the loader read more than its own size for them; the tensors that are their whole
/// storage are streamed, several at once (rayon), each storage once.
pub(super) fn read_all(
    plans: &[Planned<'_>],
    archive: &Archive,
    src: &dyn Source,
    big: bool,
) -> Result<Vec<Tensor>, FileError> {
    let mut out: Vec<Option<Tensor>> = plans.iter().map(|_| None).collect();
    let mut views: Vec<usize> = (0..plans.len()).filter(|&i| !plans[i].is_whole()).collect();
    views.sort_by_key(|&i| plans[i].view.storage);
    for group in views.chunk_by(|&a, &b| plans[a].view.storage == plans[b].view.storage) {
        let storage = plans[group[0]].read_storage(archive, src, big)?;
        for &i in group {
            out[i] = Some(plans[i].gather_from(&storage)?);
        }
    }
    // A storage under several keys (a tied weight) is read once; the others are copies, made
    // by the thread that read it.
    let mut first_of: HashMap<u32, usize> = HashMap::new();
    let mut copies: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut streamed = Vec::new();
    for (i, p) in plans.iter().enumerate().filter(|(i, _)| out[*i].is_none()) {
        match first_of.get(&p.view.storage) {
            Some(&j) if plans[j].shape == p.shape => copies.entry(j).or_default().push(i),
            _ => {
                first_of.entry(p.view.storage).or_insert(i);
                streamed.push(i);
            }
        }
    }
    let copies_of = |i: usize| copies.get(&i).map_or(&[][..], Vec::as_slice);
    // The tensors are read in parallel; the error reported is the first in the file's order,
    // whatever the threads' timing.
    let read: Vec<Result<(Tensor, Vec<Tensor>), FileError>> = streamed
        .par_iter()
        .map(|&i| {
            let tensor = plans[i].stream(archive, src, big)?;
            let dups: Result<Vec<Tensor>, FileError> =
                copies_of(i).iter().map(|&k| plans[k].copy_of(&tensor)).collect();
            Ok((tensor, dups?))
        })
        .collect();
    for (&i, result) in streamed.iter().zip(read) {
        let (tensor, dups) = result?;
        out[i] = Some(tensor);
        for (&k, dup) in copies_of(i).iter().zip(dups) {
            out[k] = Some(dup);
        }
    }
    Ok(out.into_iter().flatten().collect())
}
