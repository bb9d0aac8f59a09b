//! From the tensors a pickle describes (views into storages) to [`Tensor`]s: every view checked
//! against its storage's entry and the total size against the file before anything is
//! allocated, then each tensor read, its entry's CRC checked, converted to `f32` or `i64`.
//!
//! A tensor that is its whole storage in order (what `state_dict()` saves, almost always) is
//! streamed from the file in 1 MiB pieces; the other views (an offset, strides, a transposed
//! or expanded tensor, a slice of a shared storage) are read one storage at a time: the
//! storage's entry is read whole, once for all the views into it, and each view gathers its
//! elements in row-major order.

use ndarray::{ArrayD, IxDyn};

use super::crc32::Crc32;
use super::pickle::value::{Storage, StorageDtype, TensorRef};
use super::source::Source;
use super::zip::{self, Archive, CHUNK, Entry};
use crate::error::FileError;
use crate::safetensors::convert;
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
    fn stream(
        &self,
        archive: &Archive,
        src: &mut dyn Source,
        big: bool,
    ) -> Result<Tensor, FileError> {
        let start = archive.data_start(src, self.entry)?;
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

    /// The whole storage, read, CRC-checked and converted (for the views into it).
    fn read_storage(
        &self,
        archive: &Archive,
        src: &mut dyn Source,
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
/// makes the loader read more than its own size for them; a tensor that is its whole storage
/// is streamed.
pub(super) fn read_all(
    plans: &[Planned<'_>],
    archive: &Archive,
    src: &mut dyn Source,
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
    for (p, slot) in plans.iter().zip(&mut out) {
        if slot.is_none() {
            *slot = Some(p.stream(archive, src, big)?);
        }
    }
    Ok(out.into_iter().flatten().collect())
}

/// Values being read: `f32` or `i64`.
enum Decoded {
    F32(Vec<f32>),
    I64(Vec<i64>),
}

impl Decoded {
    fn with_capacity(d: StorageDtype, n: usize) -> Option<Decoded> {
        Some(if matches!(d, StorageDtype::Long | StorageDtype::Bool) {
            let mut v = Vec::new();
            v.try_reserve_exact(n).ok()?;
            Decoded::I64(v)
        } else {
            let mut v = Vec::new();
            v.try_reserve_exact(n).ok()?;
            Decoded::F32(v)
        })
    }

    /// Append the elements of `bytes` (whole elements of `size` bytes, in the file's byte
    /// order).
    fn extend(&mut self, d: StorageDtype, bytes: &mut [u8], size: usize, big_endian: bool) {
        if big_endian && size > 1 {
            bytes.chunks_exact_mut(size).for_each(<[u8]>::reverse);
        }
        match (self, d) {
            // The two common cases without a temporary vector.
            (Decoded::F32(v), StorageDtype::Float) => {
                v.extend(bytes.as_chunks::<4>().0.iter().map(|b| f32::from_le_bytes(*b)));
            }
            (Decoded::F32(v), StorageDtype::Half) => v.extend(convert::f16s(bytes)),
            (Decoded::F32(v), StorageDtype::BFloat16) => v.extend(convert::bf16s(bytes)),
            (Decoded::F32(v), StorageDtype::Double) => v.extend(convert::f64s(bytes)),
            (Decoded::I64(v), StorageDtype::Long) => {
                v.extend(bytes.as_chunks::<8>().0.iter().map(|b| i64::from_le_bytes(*b)));
            }
            (Decoded::I64(v), StorageDtype::Bool) => v.extend(convert::bools(bytes)),
            _ => {}
        }
    }

    /// The elements of the view of `shape` and `stride` starting at element `from`, in
    /// row-major order.
    fn gather(&self, from: usize, shape: &[usize], stride: &[u64]) -> Decoded {
        match self {
            Decoded::F32(v) => {
                Decoded::F32(gather(v.get(from..).unwrap_or_default(), shape, stride))
            }
            Decoded::I64(v) => {
                Decoded::I64(gather(v.get(from..).unwrap_or_default(), shape, stride))
            }
        }
    }

    fn into_tensor(self, shape: &[usize]) -> Option<Tensor> {
        Some(match self {
            Decoded::F32(v) => Tensor::F32(ArrayD::from_shape_vec(IxDyn(shape), v).ok()?),
            Decoded::I64(v) => Tensor::I64(ArrayD::from_shape_vec(IxDyn(shape), v).ok()?),
        })
    }
}

/// The view's elements in row-major order (its span was checked to lie in `src`).
fn gather<T: Copy + Default>(src: &[T], shape: &[usize], stride: &[u64]) -> Vec<T> {
    let numel: usize = shape.iter().product();
    let mut out = Vec::with_capacity(numel);
    if numel == 0 {
        return out;
    }
    let mut index = vec![0usize; shape.len()];
    let mut at = 0usize;
    for _ in 0..numel {
        out.push(src.get(at).copied().unwrap_or_default());
        // The odometer: the last axis turns fastest.
        for k in (0..shape.len()).rev() {
            let s = stride[k] as usize;
            if index[k] + 1 < shape[k] {
                index[k] += 1;
                at += s;
                break;
            }
            at -= index[k] * s;
            index[k] = 0;
        }
    }
    out
}
