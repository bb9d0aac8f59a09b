//! State dicts from PyTorch's `.pt`/`.pth` files, the zip archives `torch.save` writes (since
//! PyTorch 1.6), read without Python and without running anything in them.
//!
//! - `zip.rs` reads the archive (stored entries only, as `torch.save` writes them; every
//!   entry read has its CRC checked); `source.rs` reads a file at offsets, so tensors stream
//!   from it in pieces.
//! - `pickle/` is a restricted unpickler: opcodes and globals on allow-lists no wider than
//!   `torch.load(weights_only=True)`'s, nothing imported or called, limits on depth and on
//!   everything else tied to the pickle's size.
//! - `find.rs` finds the state dict in what the pickle returns; `rebuild.rs` checks every
//!   tensor's view against its storage and the total size against the file, then reads them.
//!
//! The legacy format (before PyTorch 1.6) is recognized and refused with how to convert it.

mod crc32;
mod decode;
mod find;
mod pickle;
mod rebuild;
mod source;
mod zip;

#[cfg(test)]
mod tests;

use std::fs::File;
use std::path::Path;

use source::{FileSource, Source};
use zip::Archive;

use crate::error::{FileError, InitError, Result};
use crate::safetensors::Loaded;
use crate::state::StateDict;

/// Read the state dict of a PyTorch file (`torch.save(model.state_dict(), path)`).
///
/// The state dict is the pickled dict itself when every value is a tensor; otherwise the one
/// entry of it that is a dict of tensors (`{"model": state_dict, "epoch": 3}`); when there are
/// several, name one with [`load_pytorch_key`]. Keys keep the file's order. `float32` and
/// `int64` tensors load as they are; `float16`, `bfloat16` and `float64` are converted to
/// `f32`, `bool` to `i64`, each listed in [`Loaded::conversions`]; other dtypes are an error
/// naming the tensor. Views (offsets, strides, several keys on one storage) load as the
/// tensors they show, and big-endian files as little-endian ones.
///
/// Safe on hostile files: the pickle is run by a restricted machine that imports and calls
/// nothing (a global outside the allow-list is [`FileError::ForbiddenGlobal`]), every size
/// is checked against the file before it is allocated, and every broken rule has its own
/// [`FileError`], with the file's path in [`InitError::file`]. Legacy files (PyTorch before
/// 1.6) are a [`FileError::LegacyPytorch`] that says how to convert them.
///
/// ```
/// use init_core::load_pytorch;
/// let err = load_pytorch("no/such/model.pth").unwrap_err();
/// assert_eq!(err.to_string(), "no/such/model.pth: no such file");
/// ```
pub fn load_pytorch(path: impl AsRef<Path>) -> Result<Loaded> {
    load_file(path.as_ref(), None)
}

/// [`load_pytorch`], taking the state dict from the entry `key` of the pickled dict
/// (`torch.save({"state_dict": model.state_dict(), "epoch": 3}, path)`).
///
/// ```
/// use init_core::load_pytorch_key;
/// let err = load_pytorch_key("no/such/checkpoint.pt", "state_dict").unwrap_err();
/// assert_eq!(err.to_string(), "no/such/checkpoint.pt: no such file");
/// ```
pub fn load_pytorch_key(path: impl AsRef<Path>, key: &str) -> Result<Loaded> {
    load_file(path.as_ref(), Some(key))
}

/// [`load_pytorch`] on the bytes of a file in memory; `key` as in [`load_pytorch_key`].
///
/// ```
/// use init_core::pytorch_from_bytes;
/// let err = pytorch_from_bytes(b"\x80\x02}q\x00.", None).unwrap_err();
/// assert!(err.to_string().starts_with("a PyTorch file in the legacy format (a raw pickle)"));
/// ```
pub fn pytorch_from_bytes(bytes: &[u8], key: Option<&str>) -> Result<Loaded> {
    load_from(&bytes, key).map_err(InitError::from)
}

fn load_file(path: &Path, key: Option<&str>) -> Result<Loaded> {
    let at = |e: FileError| InitError::from(e).in_file(path);
    let io = |op: &str, e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => FileError::NotFound,
        kind => FileError::Io { op: op.to_string(), kind, message: e.to_string() },
    };
    // Before opening: opening a named pipe for reading would wait for a writer.
    let meta = std::fs::metadata(path).map_err(|e| at(io("read the file's metadata", e)))?;
    check_kind(&meta).map_err(at)?;
    let file = File::open(path).map_err(|e| at(io("open the file", e)))?;
    let meta = file.metadata().map_err(|e| at(io("read the file's metadata", e)))?;
    check_kind(&meta).map_err(at)?;
    let src = FileSource::new(file, meta.len());
    load_from(&src, key).map_err(at)
}

fn check_kind(meta: &std::fs::Metadata) -> Result<(), FileError> {
    let reason = if meta.is_dir() {
        "it is a directory"
    } else if !meta.is_file() {
        "it is a device, pipe or socket, not a regular file"
    } else {
        return Ok(());
    };
    Err(FileError::NotPytorch { reason: reason.into() })
}

/// The whole load, from any source.
fn load_from(src: &dyn Source, key: Option<&str>) -> Result<Loaded, FileError> {
    recognize(src)?;
    let archive = Archive::read(src)?;
    let prefix = prefix(&archive)?;
    let big_endian = byteorder(&archive, src, &prefix)?;
    let pkl = archive
        .get(&format!("{prefix}/data.pkl"))
        .ok_or_else(|| FileError::Zip { entry: String::new(), rule: "no data.pkl".into() })?;
    let pickled = pickle::unpickle(&archive.read_entry(src, pkl)?)?;
    let items = find::state_dict(&pickled, key)?;
    let mut plans = Vec::with_capacity(items.len());
    let mut bytes = 0u64;
    for (k, view) in items {
        let p = rebuild::plan(k.to_string(), view, &pickled.storages, &archive, &prefix)?;
        bytes = bytes.saturating_add(p.out_bytes());
        plans.push(p);
    }
    let limit = rebuild::budget(src.len());
    if bytes > limit {
        return Err(FileError::TooMuchData { bytes, limit, file_len: src.len() });
    }
    let tensors = rebuild::read_all(&plans, &archive, src, big_endian)?;
    let mut state = StateDict::with_capacity(plans.len());
    let mut conversions = Vec::new();
    for (p, tensor) in plans.iter().zip(tensors) {
        conversions.extend(p.conversion());
        // Keys were checked to be distinct (`find`): an error here cannot happen.
        state.insert(&p.key, tensor).map_err(|_| FileError::BadTensor {
            key: p.key.clone(),
            rule: "appears more than once".into(),
        })?;
    }
    Ok(Loaded { state, conversions, metadata: Default::default() })
}

/// A zip archive, or an error saying what the file is instead.
fn recognize(src: &dyn Source) -> Result<(), FileError> {
    let len = src.len();
    let mut head = vec![0; len.min(512) as usize];
    src.read_at(0, &mut head)?;
    if head.is_empty() {
        return Err(FileError::NotPytorch { reason: "the file is empty".into() });
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Ok(());
    }
    if head[0] == 0x80 {
        return Err(FileError::LegacyPytorch { format: "a raw pickle" });
    }
    if head.get(257..262) == Some(b"ustar") {
        return Err(FileError::LegacyPytorch { format: "a tar archive" });
    }
    let start: Vec<String> = head.iter().take(4).map(|b| format!("{b:02x}")).collect();
    Err(FileError::NotPytorch {
        reason: format!(
            "it starts with the bytes {}, neither a zip archive (torch.save since PyTorch 1.6) nor a legacy PyTorch file",
            start.join(" ")
        ),
    })
}

/// The archive's folder (`archive` in `archive/data.pkl`): the one entry `<dir>/data.pkl`.
fn prefix(archive: &Archive) -> Result<String, FileError> {
    let dirs: Vec<&str> = archive
        .names()
        .filter_map(|n| n.strip_suffix("/data.pkl"))
        .filter(|d| !d.is_empty() && !d.contains('/'))
        .collect();
    let zip = |rule: String| FileError::Zip { entry: String::new(), rule };
    match dirs[..] {
        [one] if archive.get(&format!("{one}/constants.pkl")).is_some() => Err(FileError::NotPytorch {
            reason: "a TorchScript archive (torch.jit.save), not a torch.save file: load its state_dict() in PyTorch and save that".into(),
        }),
        [one] => Ok(one.to_string()),
        [] => Err(zip("no `<folder>/data.pkl` entry: not an archive written by torch.save".into())),
        _ => Err(zip(format!("{} `<folder>/data.pkl` entries, torch.save writes one", dirs.len()))),
    }
}

/// Whether the storages are big-endian (the `byteorder` entry; little-endian without one, as
/// files from before PyTorch 1.10 are).
fn byteorder(archive: &Archive, src: &dyn Source, prefix: &str) -> Result<bool, FileError> {
    let Some(e) = archive.get(&format!("{prefix}/byteorder")) else { return Ok(false) };
    if e.size > 16 {
        return Err(FileError::Zip {
            entry: e.name.clone(),
            rule: format!("is {} bytes, not `little` or `big`", e.size),
        });
    }
    match &archive.read_entry(src, e)?[..] {
        b"little" => Ok(false),
        b"big" => Ok(true),
        other => Err(FileError::Zip {
            entry: e.name.clone(),
            rule: format!("says {:?}, not `little` or `big`", String::from_utf8_lossy(other)),
        }),
    }
}
