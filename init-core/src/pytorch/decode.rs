//! Values being read from storages: decoded from the file's bytes to `f32` or `i64` (byte
//! order swapped for big-endian files, half and double precision converted), and gathered
//! from a storage for a view.

use ndarray::{ArrayD, IxDyn};

use super::pickle::value::StorageDtype;
use crate::safetensors::convert;
use crate::state::Tensor;

/// Values being read: `f32` or `i64`.
pub(super) enum Decoded {
    F32(Vec<f32>),
    I64(Vec<i64>),
}

impl Decoded {
    pub fn with_capacity(d: StorageDtype, n: usize) -> Option<Decoded> {
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
    pub fn extend(&mut self, d: StorageDtype, bytes: &mut [u8], size: usize, big_endian: bool) {
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
    pub fn gather(&self, from: usize, shape: &[usize], stride: &[u64]) -> Decoded {
        match self {
            Decoded::F32(v) => {
                Decoded::F32(gather(v.get(from..).unwrap_or_default(), shape, stride))
            }
            Decoded::I64(v) => {
                Decoded::I64(gather(v.get(from..).unwrap_or_default(), shape, stride))
            }
        }
    }

    pub fn into_tensor(self, shape: &[usize]) -> Option<Tensor> {
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

/// The bytes of `values`, to read a little-endian file's `f32`s into in place.
#[cfg(target_endian = "little")]
pub(super) fn f32_bytes_mut(values: &mut [f32]) -> &mut [u8] {
    // SAFETY: the slice is `size_of_val(values)` initialized bytes, exclusively borrowed for
    // the returned lifetime; `u8` has alignment 1, and every bit pattern written through the
    // bytes is a valid `f32`.
    unsafe { std::slice::from_raw_parts_mut(values.as_mut_ptr().cast::<u8>(), size_of_val(values)) }
}

/// Never called on a big-endian machine (the file's bytes are not the values there).
#[cfg(not(target_endian = "little"))]
pub(super) fn f32_bytes_mut(_: &mut [f32]) -> &mut [u8] {
    &mut []
}

/// Have Linux map every page of `bytes` at once (`MADV_POPULATE_WRITE`, Linux 5.14), before a
/// storage is read into them: one call instead of a page fault per 4 KiB. Advice only: on an
/// older kernel the pages fault in one by one as before.
#[cfg(target_os = "linux")]
pub(super) fn populate(bytes: &mut [u8]) {
    const PAGE: usize = 4096;
    let start = bytes.as_mut_ptr() as usize;
    let from = start.next_multiple_of(PAGE);
    let to = (start + bytes.len()) / PAGE * PAGE;
    if to > from {
        // SAFETY: `from..to` lies inside `bytes`, memory this process owns; populating it
        // maps its pages, never changes what it holds.
        unsafe { libc::madvise(from as *mut libc::c_void, to - from, libc::MADV_POPULATE_WRITE) };
    }
}

/// Elsewhere the pages fault in as they are written.
#[cfg(not(target_os = "linux"))]
pub(super) fn populate(_: &mut [u8]) {}
