//! Reading: the 8-byte prefix, the header, the layout of the data, then the tensors.
//!
//! Every check that the `safetensors` crate makes is made here (the fuzz target holds us to
//! it), so that each broken file gets its own error; the header is parsed once, by
//! [`header::parse`], and the tensors' bytes are taken from the data by their offsets, once
//! those are checked.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use super::file_dtype::FileDtype as Dtype;
use ndarray::{ArrayD, IxDyn};

use super::header::{self, Entry, Header};
use super::{Conversion, Loaded, MAX_HEADER, SourceDtype, checks, convert};
use crate::error::{FileError, InitError, Result};
use crate::state::{StateDict, Tensor};

/// Read a state dict from a safetensors file.
///
/// The file's size is checked before anything is read, the 8-byte header length is compared
/// with it before the rest is read, and then the header and the data are read (allocations of
/// their sizes). The header is dropped once parsed and checked, before the tensors are built.
/// Errors carry the path ([`InitError::file`]) and say what is wrong; see [`from_bytes`] for
/// the rules.
///
/// ```
/// use init_core::safetensors::{load, save};
/// use init_core::{StateDict, Tensor};
/// let path = std::env::temp_dir().join(format!("init-doc-load-{}.safetensors", std::process::id()));
/// let mut sd = StateDict::new();
/// sd.insert("w", Tensor::from(ndarray::ArrayD::<f32>::ones(vec![3])))?;
/// save(&sd, &path)?;
/// assert_eq!(load(&path)?.state, sd);
/// std::fs::remove_file(&path).unwrap();
///
/// let err = load("no/such/file.safetensors").unwrap_err();
/// assert_eq!(err.to_string(), "no/such/file.safetensors: no such file");
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn load(path: impl AsRef<Path>) -> Result<Loaded> {
    let path = path.as_ref();
    let at = |e: FileError| InitError::from(e).in_file(path);
    let (header, data) = read_file(path).map_err(at)?;
    let entries = checked(header_text(&header).map_err(at)?, data.len() as u64).map_err(at)?;
    let entries = entries.into_owned();
    drop(header);
    build(entries, &data).map_err(at)
}

/// Read a state dict from the bytes of a safetensors file.
///
/// `F32` and `I64` tensors load as they are; `F16`, `BF16` and `F64` are converted to `f32` and
/// listed in [`Loaded::conversions`]; other dtypes are a [`FileError::UnsupportedDtype`]. The
/// keys keep the header's order. Each way a file can be broken has its own
/// [`FileError`] (empty, too short, a header length beyond the file, not UTF-8, not JSON,
/// duplicate names, unknown dtype, offsets outside the data or overlapping, a byte count that
/// does not match dtype and shape, ...).
///
/// ```
/// use init_core::safetensors::from_bytes;
/// let err = from_bytes(b"").unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "empty file: a safetensors file starts with an 8-byte little-endian header length"
/// );
/// let mut file = 2u64.to_le_bytes().to_vec();
/// file.extend(b"{}");
/// assert!(from_bytes(&file)?.state.is_empty());
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn from_bytes(bytes: &[u8]) -> Result<Loaded> {
    parse(bytes).map_err(InitError::from)
}

/// The file's header and data, read only after its size and the header length it states agree.
fn read_file(path: &Path) -> Result<(Vec<u8>, Vec<u8>), FileError> {
    let io = |op: &str, e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => FileError::NotFound,
        kind => FileError::Io { op: op.to_string(), kind, message: e.to_string() },
    };
    // Before opening: opening a named pipe for reading would wait for a writer.
    let meta = std::fs::metadata(path).map_err(|e| io("read the file's metadata", e))?;
    check_kind(&meta)?;
    let mut file = File::open(path).map_err(|e| io("open the file", e))?;
    let meta = file.metadata().map_err(|e| io("read the file's metadata", e))?;
    check_kind(&meta)?;
    let len = meta.len();

    let mut prefix = Vec::with_capacity(8);
    (&mut file).take(8).read_to_end(&mut prefix).map_err(|e| io("read the file", e))?;
    let header_len = prefix_checks(&prefix, len)?;

    let too_big = |n: u64| FileError::Io {
        op: "read the file".into(),
        kind: std::io::ErrorKind::OutOfMemory,
        message: format!("{n} bytes do not fit in memory addresses"),
    };
    let data_len = len - 8 - header_len;
    let mut header = Vec::with_capacity(usize::try_from(header_len).map_err(|_| too_big(len))?);
    let mut data = Vec::with_capacity(usize::try_from(data_len).map_err(|_| too_big(len))?);
    (&mut file).take(header_len).read_to_end(&mut header).map_err(|e| io("read the file", e))?;
    // The rest, and one byte more: to notice a file that grew since its size was taken.
    (&mut file).take(data_len + 1).read_to_end(&mut data).map_err(|e| io("read the file", e))?;
    let read = 8 + header.len() as u64 + data.len() as u64;
    if header.len() as u64 != header_len || read != len {
        return Err(FileError::Io {
            op: "read the file".into(),
            kind: std::io::ErrorKind::UnexpectedEof,
            message: format!("it changed size while being read: {len} bytes expected, {read} read"),
        });
    }
    Ok((header, data))
}

fn check_kind(meta: &std::fs::Metadata) -> Result<(), FileError> {
    if meta.is_dir() {
        Err(FileError::IsDirectory)
    } else if !meta.is_file() {
        Err(FileError::NotRegularFile)
    } else {
        Ok(())
    }
}

/// The checks on the first (up to) 8 bytes and the file length: the header length stated,
/// if it fits in the file.
pub(super) fn prefix_checks(prefix: &[u8], file_len: u64) -> Result<u64, FileError> {
    if file_len == 0 {
        return Err(FileError::Empty);
    }
    let Ok(prefix) = <[u8; 8]>::try_from(prefix.get(..8).unwrap_or(prefix)) else {
        return Err(FileError::TooShort { len: file_len });
    };
    let len = u64::from_le_bytes(prefix);
    if len >= 1 << 63 {
        return Err(FileError::HeaderLengthOverflow { len });
    }
    if len > file_len {
        return Err(FileError::HeaderBeyondFile { len, file_len });
    }
    let available = file_len - 8;
    if len > available {
        return Err(FileError::TruncatedHeader { len, available });
    }
    if len > MAX_HEADER {
        return Err(FileError::HeaderTooLarge { len, limit: MAX_HEADER });
    }
    Ok(len)
}

/// A whole file.
fn parse(bytes: &[u8]) -> Result<Loaded, FileError> {
    let header_len = prefix_checks(bytes, bytes.len() as u64)?;
    // `header_len <= bytes.len() - 8` was checked: the conversion and the slices succeed.
    let header_end = 8 + usize::try_from(header_len).unwrap_or(usize::MAX - 8);
    let header = bytes.get(8..header_end).unwrap_or_default();
    let data = bytes.get(header_end..).unwrap_or_default();
    build(checked(header_text(header)?, data.len() as u64)?, data)
}

fn header_text(header: &[u8]) -> Result<&str, FileError> {
    std::str::from_utf8(header).map_err(|e| FileError::HeaderNotUtf8 { reason: e.to_string() })
}

/// The header's entries, every rule checked, for data of `data_len` bytes: nothing is
/// allocated for the tensors before all of them check out.
pub(super) fn checked(text: &str, data_len: u64) -> Result<Header<'_>, FileError> {
    let header = header::parse(text)?;
    for e in &header.entries {
        checks::check_entry(e, e.shape(&header.dims), data_len)?;
    }
    checks::check_layout(&header.entries, data_len)?;
    let supported =
        |d| matches!(d, Dtype::F32 | Dtype::I64 | Dtype::F16 | Dtype::BF16 | Dtype::F64);
    if let Some(e) = header.entries.iter().find(|e| !supported(e.dtype)) {
        return Err(FileError::UnsupportedDtype {
            key: e.key.to_string(),
            dtype: e.dtype.to_string(),
        });
    }
    Ok(header)
}

/// The tensors of a checked header, from `data`.
fn build(header: Header<'_>, data: &[u8]) -> Result<Loaded, FileError> {
    let Header { mut entries, dims, metadata } = header;
    let mut state = StateDict::with_capacity(entries.len());
    let mut conversions = Vec::new();
    let mut shape = Vec::new();
    // Entries are taken from the back of the reversed list, and the list's memory is given
    // back as it halves, so the header's entries and the state dict are never both whole
    // (with a million tiny tensors, each is a large share of the peak).
    entries.reverse();
    while let Some(e) = entries.pop() {
        if entries.capacity() > 2 * entries.len() + 1024 {
            entries.shrink_to_fit();
        }
        // Every dimension fits in a `usize` and the offsets lie in the data (checked above).
        shape.clear();
        shape.extend(e.shape(&dims).iter().map(|&d| usize::try_from(d).unwrap_or(usize::MAX)));
        let range =
            usize::try_from(e.start).unwrap_or(usize::MAX)..usize::try_from(e.end).unwrap_or(0);
        let bytes = data.get(range).unwrap_or_default();
        let (tensor, from) = match e.dtype {
            Dtype::F32 => (Tensor::F32(array(&e, &dims, &shape, convert::f32s(bytes))?), None),
            Dtype::I64 => (Tensor::I64(array(&e, &dims, &shape, convert::i64s(bytes))?), None),
            Dtype::F16 => (
                Tensor::F32(array(&e, &dims, &shape, convert::f16s(bytes))?),
                Some(SourceDtype::F16),
            ),
            Dtype::BF16 => (
                Tensor::F32(array(&e, &dims, &shape, convert::bf16s(bytes))?),
                Some(SourceDtype::BF16),
            ),
            Dtype::F64 => (
                Tensor::F32(array(&e, &dims, &shape, convert::f64s(bytes))?),
                Some(SourceDtype::F64),
            ),
            other => {
                return Err(FileError::UnsupportedDtype {
                    key: e.key.into_owned(),
                    dtype: other.to_string(),
                });
            }
        };
        if let Some(from) = from {
            conversions.push(Conversion { key: e.key.to_string(), from });
        }
        state
            .insert(&e.key, tensor)
            .map_err(|err| FileError::DuplicateTensor { key: err.path().into() })?;
    }
    Ok(Loaded { state, conversions, metadata: metadata.into_iter().collect() })
}

/// The array of `shape` holding `values` (their count was checked against the shape).
fn array<T>(
    e: &Entry,
    dims: &[u64],
    shape: &[usize],
    values: Vec<T>,
) -> Result<ArrayD<T>, FileError> {
    ArrayD::from_shape_vec(IxDyn(shape), values).map_err(|_| FileError::ShapeOverflow {
        key: e.key.to_string(),
        shape: e.shape(dims).to_vec(),
    })
}
