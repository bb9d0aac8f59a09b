//! Writing: the header in the state dict's order, the data aligned, and the atomic save.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::MAX_HEADER;
use crate::error::{ErrorKind, InitError, Result};
use crate::state::{StateDict, Tensor};

/// The bytes of a safetensors file holding `sd`.
///
/// Deterministic: the header is `{"__metadata__":{"format":"pt"}` and then every key in the
/// state dict's order, padded with spaces to a multiple of 8 bytes; the data holds the `I64`
/// tensors, then the `F32` ones (each group in the state dict's order), little-endian, so each
/// tensor is aligned to its element size. The key `"__metadata__"` is an
/// [`ErrorKind::ReservedKey`].
///
/// ```
/// use init_core::safetensors::to_bytes;
/// use init_core::{StateDict, Tensor};
/// let mut sd = StateDict::new();
/// sd.insert("b", Tensor::from(ndarray::ArrayD::<f32>::zeros(vec![2])))?;
/// let bytes = to_bytes(&sd)?;
/// let header = r#"{"__metadata__":{"format":"pt"},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#;
/// assert_eq!(&bytes[8..8 + header.len()], header.as_bytes());
/// assert_eq!(bytes.len(), 8 + 88 + 8); // header padded from 86 to 88 bytes
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn to_bytes(sd: &StateDict) -> Result<Vec<u8>> {
    let plan = Plan::new(sd)?;
    let mut out = Vec::with_capacity(plan.total_len());
    plan.write(&mut out).map_err(|e| {
        InitError::new(
            "",
            ErrorKind::Io { op: "serialize".into(), kind: e.kind(), message: e.to_string() },
        )
    })?;
    Ok(out)
}

/// Write `sd` to the safetensors file `path`, atomically.
///
/// The bytes of [`to_bytes`] go to a new temporary file in the same directory (named
/// `.<file name>.<pid>.<n>.tmp`), which is synced to disk and then renamed over `path`; the
/// directory is then synced where the platform allows. If anything fails the temporary file is
/// removed and `path` is untouched; if the process dies part-way the temporary file is left
/// behind, and `path` is still the previous file, whole. An existing file's permissions are
/// kept. `path` itself is replaced (a symbolic link there is replaced, not followed).
///
/// ```
/// use init_core::safetensors::{load, save};
/// use init_core::{StateDict, Tensor};
/// let dir = std::env::temp_dir().join(format!("init-doc-save-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let mut sd = StateDict::new();
/// sd.insert("w", Tensor::from(ndarray::ArrayD::<f32>::ones(vec![2, 2])))?;
/// save(&sd, dir.join("model.safetensors"))?;
/// assert_eq!(load(dir.join("model.safetensors"))?.state, sd);
///
/// let err = save(&sd, &dir).unwrap_err();
/// assert!(err.to_string().ends_with(": is a directory, not a safetensors file"));
/// std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn save(sd: &StateDict, path: impl AsRef<Path>) -> Result<()> {
    save_with(sd, path.as_ref(), &Hooks::NONE)
}

/// Test hooks of [`save_with`]: failures to inject, the path to force, and a call at each
/// stage (where a test can stop the process to kill it).
pub(super) struct Hooks {
    /// The writes to the temporary file fail after this many bytes.
    pub fail_after: Option<u64>,
    /// Never use an unnamed (`O_TMPFILE`) temporary file: always a named one.
    pub named_only: bool,
    /// Called at each [`Stage`] of the save.
    pub at: fn(Stage),
}

impl Hooks {
    /// No hooks: what [`save`] uses.
    pub const NONE: Hooks = Hooks { fail_after: None, named_only: false, at: |_| {} };
}

/// Where a save is, for [`Hooks::at`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stage {
    /// All the bytes are written to the temporary file (not yet synced).
    Written,
    /// The temporary file has a name and is about to be renamed over the target.
    BeforeRename,
}

/// [`save`], with [`Hooks`] for tests.
pub(super) fn save_with(sd: &StateDict, path: &Path, hooks: &Hooks) -> Result<()> {
    let at = |kind| InitError::new(path.display().to_string(), kind);
    let io =
        |op: String, e: io::Error| at(ErrorKind::Io { op, kind: e.kind(), message: e.to_string() });
    let plan = Plan::new(sd)?;
    let Some(name) = path.file_name() else { return Err(at(ErrorKind::NotAFilePath)) };
    if path.is_dir() {
        return Err(at(ErrorKind::IsDirectory));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };

    let (tmp, file) = create_temp(dir, name)
        .map_err(|(tmp, e)| io(format!("create a temporary file {}", tmp.display()), e))?;
    let guard = RemoveOnDrop(Some(tmp.clone()));
    let shown = tmp.display();
    if let Ok(meta) = std::fs::metadata(path) {
        file.set_permissions(meta.permissions())
            .map_err(|e| io(format!("copy the permissions to {shown}"), e))?;
    }
    {
        let mut w =
            BufWriter::with_capacity(1 << 20, FailAfter { inner: &file, left: hooks.fail_after });
        plan.write(&mut w)
            .and_then(|()| w.flush())
            .map_err(|e| io(format!("write the temporary file {shown}"), e))?;
    }
    (hooks.at)(Stage::Written);
    file.sync_all().map_err(|e| io(format!("sync the temporary file {shown}"), e))?;
    drop(file);
    (hooks.at)(Stage::BeforeRename);
    std::fs::rename(&tmp, path)
        .map_err(|e| io(format!("rename the temporary file {shown} over the target"), e))?;
    guard.disarm();
    // Make the rename itself durable. Best effort: not every platform can open a directory.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// A new file `.<name>.<pid>.<n>.tmp` in `dir`, never an existing one.
fn create_temp(
    dir: &Path,
    name: &std::ffi::OsStr,
) -> Result<(PathBuf, File), (PathBuf, io::Error)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut attempt = 0;
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".{}.{n}.tmp", std::process::id()));
        let tmp = dir.join(tmp_name);
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            // A file left by a process that died with our pid: take the next name.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => attempt += 1,
            Err(e) => return Err((tmp, e)),
        }
    }
}

/// Removes the temporary file unless the rename succeeded.
struct RemoveOnDrop(Option<PathBuf>);

impl RemoveOnDrop {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// A writer that fails once `left` bytes have gone through (never, when `left` is `None`).
struct FailAfter<W> {
    inner: W,
    left: Option<u64>,
}

impl<W: Write> Write for FailAfter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = match self.left {
            None => return self.inner.write(buf),
            Some(0) => return Err(io::Error::other("injected failure")),
            Some(left) => buf.len().min(usize::try_from(left).unwrap_or(usize::MAX)),
        };
        let n = self.inner.write(&buf[..n])?;
        self.left = self.left.map(|l| l - n as u64);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The header and the data order of a state dict's file.
struct Plan<'a> {
    header: Vec<u8>,
    data: Vec<&'a Tensor>,
    data_len: usize,
}

impl<'a> Plan<'a> {
    fn new(sd: &'a StateDict) -> Result<Self> {
        let size = |t: &Tensor| match t {
            Tensor::F32(a) => a.len() * 4,
            Tensor::I64(a) => a.len() * 8,
        };
        let entries: Vec<(&str, &Tensor)> = sd.iter().collect();
        // I64 (8-byte aligned) first, then F32: every tensor starts at a multiple of its size.
        let is_i64 = |&(_, t): &(&str, &Tensor)| matches!(t, Tensor::I64(_));
        let order: Vec<usize> = (0..entries.len())
            .filter(|&i| entries.get(i).is_some_and(is_i64))
            .chain((0..entries.len()).filter(|&i| entries.get(i).is_some_and(|e| !is_i64(e))))
            .collect();
        let mut starts = vec![0; entries.len()];
        let mut data = Vec::with_capacity(entries.len());
        let mut at = 0usize;
        for &i in &order {
            if let (Some(start), Some(&(_, t))) = (starts.get_mut(i), entries.get(i)) {
                *start = at;
                at += size(t);
                data.push(t);
            }
        }
        let mut header = String::from(r#"{"__metadata__":{"format":"pt"}"#);
        for (&(key, t), start) in entries.iter().zip(starts) {
            if key == "__metadata__" {
                return Err(InitError::new(key, ErrorKind::ReservedKey));
            }
            let dtype = t.dtype();
            let shape: Vec<String> = t.shape().iter().map(usize::to_string).collect();
            // Serializing a string cannot fail; the fallback is never used.
            let key = serde_json::to_string(key).unwrap_or_default();
            header.push_str(&format!(
                r#",{key}:{{"dtype":"{dtype}","shape":[{}],"data_offsets":[{start},{}]}}"#,
                shape.join(","),
                start + size(t),
            ));
        }
        header.push('}');
        let mut header = header.into_bytes();
        header.resize(header.len().next_multiple_of(8), b' ');
        if header.len() as u64 > MAX_HEADER {
            let kind = ErrorKind::HeaderTooLarge { len: header.len() as u64, limit: MAX_HEADER };
            return Err(InitError::new("", kind));
        }
        Ok(Plan { header, data, data_len: at })
    }

    fn total_len(&self) -> usize {
        8 + self.header.len() + self.data_len
    }

    fn write(&self, w: &mut impl Write) -> io::Result<()> {
        w.write_all(&(self.header.len() as u64).to_le_bytes())?;
        w.write_all(&self.header)?;
        let mut buf = Vec::with_capacity(1 << 16);
        for t in &self.data {
            match t {
                Tensor::F32(a) => chunked(w, &mut buf, a.iter(), |x| x.to_le_bytes())?,
                Tensor::I64(a) => chunked(w, &mut buf, a.iter(), |x| x.to_le_bytes())?,
            }
        }
        Ok(())
    }
}

/// Write `items` as bytes, through `buf` in pieces of 64 KiB.
fn chunked<'t, T: 't, const N: usize>(
    w: &mut impl Write,
    buf: &mut Vec<u8>,
    items: impl Iterator<Item = &'t T>,
    bytes: impl Fn(&T) -> [u8; N],
) -> io::Result<()> {
    for x in items {
        buf.extend_from_slice(&bytes(x));
        if buf.len() >= 1 << 16 {
            w.write_all(buf)?;
            buf.clear();
        }
    }
    w.write_all(buf)?;
    buf.clear();
    Ok(())
}
