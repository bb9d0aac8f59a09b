//! Fallible, zeroed allocation of `f32` arrays: an error instead of an abort when the memory
//! cannot be had, and still lazy zero pages (the one fill of an init is the first write).

use std::alloc::{Layout, alloc_zeroed};

use ndarray::{ArrayD, IxDyn};

use crate::error::{ErrorKind, InitError, Result};

/// The number of elements of `shape`, if ndarray can hold an `f32` array of it: the product
/// of the non-zero lengths, in bytes, must fit in `isize` (ndarray refuses more even when
/// another length is 0).
fn element_count(shape: &[usize]) -> Option<usize> {
    let bytes = shape
        .iter()
        .filter(|&&d| d != 0)
        .try_fold(size_of::<f32>(), |acc, &d| acc.checked_mul(d))
        .filter(|&b| isize::try_from(b).is_ok())?;
    Some(if shape.contains(&0) { 0 } else { bytes / size_of::<f32>() })
}

/// An all-zero `f32` array of `shape`, from one zeroed allocation (`calloc`), so no page is
/// touched here.
///
/// Errors: [`ErrorKind::TooLarge`] when the shape cannot be addressed, and
/// [`ErrorKind::OutOfMemory`] when the allocator refuses the memory (a shape of `[1 << 45]`,
/// 128 TiB, is refused on every x86-64 system; what fails short of that depends on the
/// system's overcommit policy).
///
/// While [`build_or_error`](super::deferred::build_or_error) runs (a derived `new()`), a
/// failure is recorded there instead and the result is an empty placeholder of the same rank
/// (its first length 0), which `new()` never hands out.
pub(crate) fn try_zeroed(shape: &[usize]) -> Result<ArrayD<f32>> {
    allocate(shape).or_else(|e| {
        if super::deferred::defer(&e) {
            let mut empty = shape.to_vec();
            empty[0] = 0; // a failure needs at least one non-zero length, so rank >= 1
            Ok(ArrayD::zeros(IxDyn(&empty)))
        } else {
            Err(e)
        }
    })
}

fn allocate(shape: &[usize]) -> Result<ArrayD<f32>> {
    let too_large = || InitError::new("", ErrorKind::TooLarge { shape: shape.to_vec() });
    let n = element_count(shape).ok_or_else(too_large)?;
    let data = zeroed_vec(n).ok_or_else(|| {
        let bytes = n.saturating_mul(size_of::<f32>());
        InitError::new("", ErrorKind::OutOfMemory { shape: shape.to_vec(), bytes })
    })?;
    // The length is the shape's product, so ndarray accepts it.
    ArrayD::from_shape_vec(IxDyn(shape), data).map_err(|_| too_large())
}

/// `n` zeros from one zeroed allocation (`calloc`: no page touched here), or `None` when the
/// allocator refuses the memory (or `n` floats cannot be addressed). Never deferred: for
/// working memory, whose caller reports the error itself.
pub(crate) fn zeroed_vec(n: usize) -> Option<Vec<f32>> {
    if n == 0 {
        return Some(Vec::new());
    }
    let layout = Layout::array::<f32>(n).ok()?;
    // SAFETY: `layout` has a non-zero size (n > 0, f32 is 4 bytes).
    let ptr = unsafe { alloc_zeroed(layout) }.cast::<f32>();
    if ptr.is_null() {
        return None;
    }
    super::huge_pages::advise(ptr.cast(), layout.size());
    // SAFETY: `ptr` comes from the global allocator with the layout of `[f32; n]`, which is
    // the layout `Vec<f32>` uses for capacity `n`; all `n` elements are initialized (zero
    // bytes are `0.0f32`), and the `Vec` takes sole ownership of the allocation.
    Some(unsafe { Vec::from_raw_parts(ptr, n, n) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_sized_shapes_allocate_nothing() {
        for shape in [&[0][..], &[0, 5], &[3, 0, 2], &[1 << 40, 0]] {
            let a = try_zeroed(shape).unwrap();
            assert_eq!(a.shape(), shape);
            assert_eq!(a.len(), 0);
        }
        assert_eq!(try_zeroed(&[]).unwrap().len(), 1);
    }

    #[test]
    fn values_are_zero_and_row_major() {
        let a = try_zeroed(&[3, 4]).unwrap();
        assert!(a.is_standard_layout());
        assert_eq!(a.as_slice().unwrap(), &[0.0; 12]);
    }

    #[test]
    fn unaddressable_and_unallocatable_shapes_are_errors() {
        let err = try_zeroed(&[usize::MAX, 2]).unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::TooLarge { shape: vec![usize::MAX, 2] });
        assert!(matches!(
            try_zeroed(&[0, usize::MAX]).unwrap_err().kind(),
            ErrorKind::TooLarge { .. }
        ));
        // 128 TiB: more than the 47-bit user address space of x86-64.
        let err = try_zeroed(&[1 << 45]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "shape [35184372088832] needs 140737488355328 bytes, which could not be allocated"
        );
    }
}
