//! The checks of a header's entries against the data: each entry's element count, byte count
//! and offsets, then the layout of all of them (no overlap, no gap), as the `safetensors`
//! crate makes them, each broken rule with its own error.

use super::header::Entry;
use crate::error::FileError;

/// Entry `e`'s element count, byte count and offsets check out (`shape` is its shape).
pub(super) fn check_entry(e: &Entry, shape: &[u64], data_len: u64) -> Result<(), FileError> {
    let overflow = || FileError::ShapeOverflow { key: e.key.to_string(), shape: shape.to_vec() };
    let shape_usize = shape.iter().map(|&d| usize::try_from(d));
    let mut nonzero = Some(1usize);
    let mut numel = Some(1usize);
    for d in shape_usize {
        let d = d.map_err(|_| overflow())?;
        // ndarray's rule: the product of the non-zero dimensions must fit in an isize.
        nonzero = nonzero.and_then(|n| n.checked_mul(d.max(1)));
        numel = numel.and_then(|n| n.checked_mul(d));
    }
    let bits = e.dtype.bitsize();
    let (Some(nonzero), Some(numel)) = (nonzero, numel) else { return Err(overflow()) };
    let Some(nbits) = numel.checked_mul(bits).filter(|_| nonzero <= isize::MAX as usize) else {
        return Err(overflow());
    };
    if e.end < e.start {
        return Err(FileError::ReversedOffsets {
            key: e.key.to_string(),
            start: e.start,
            end: e.end,
        });
    }
    if nbits % 8 != 0 {
        return Err(FileError::BadHeader {
            rule: format!(
                "tensor `{}`: dtype {} and shape {shape:?} make {nbits} bits, not a whole number of bytes",
                e.key, e.dtype
            ),
        });
    }
    let expected = (nbits / 8) as u64;
    if e.end - e.start != expected {
        return Err(FileError::ByteCount {
            key: e.key.to_string(),
            dtype: e.dtype.name(),
            shape: shape.to_vec(),
            expected,
            start: e.start,
            end: e.end,
        });
    }
    if e.end > data_len {
        return Err(FileError::OffsetsOutOfData {
            key: e.key.to_string(),
            start: e.start,
            end: e.end,
            data_len,
        });
    }
    Ok(())
}

/// The tensors, taken by start offset, tile the data exactly: no overlap, no gap (as the
/// `safetensors` crate requires).
pub(super) fn check_layout(entries: &[Entry], data_len: u64) -> Result<(), FileError> {
    let mut order: Vec<&Entry> = entries.iter().collect();
    order.sort_by_key(|e| (e.start, e.end));
    let mut covered = 0u64;
    // The tensor that ends at `covered` (only read once `covered > 0`).
    let mut last: (&str, u64, u64) = ("", 0, 0);
    for e in order {
        if e.start < covered {
            return Err(FileError::OverlappingTensors {
                first: last.0.to_string(),
                first_start: last.1,
                first_end: last.2,
                second: e.key.to_string(),
                second_start: e.start,
                second_end: e.end,
            });
        }
        if e.start > covered {
            return Err(FileError::UncoveredData { start: covered, end: e.start });
        }
        if e.end > covered {
            last = (&e.key, e.start, e.end);
            covered = e.end;
        }
    }
    if covered < data_len {
        return Err(FileError::UncoveredData { start: covered, end: data_len });
    }
    Ok(())
}
