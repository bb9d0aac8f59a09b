//! Writing: the header in the state dict's order, the data aligned, and the atomic save.

use std::collections::BTreeMap;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use super::MAX_HEADER;
use super::atomic::Temp;
use super::temp_names;
use crate::error::{FileError, InitError, Result};
use crate::state::{StateDict, Tensor};

/// The bytes of a safetensors file holding `sd`.
///
/// Deterministic: the header is `{"__metadata__":{"format":"pt"}` and then every key in the
/// state dict's order, padded with spaces to a multiple of 8 bytes; the data holds the `I64`
/// tensors, then the `F32` ones (each group in the state dict's order), little-endian, so each
/// tensor is aligned to its element size. The key `"__metadata__"` is a
/// [`FileError::ReservedKey`].
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
    to_bytes_with_metadata(sd, &BTreeMap::new())
}

/// [`to_bytes`] with more `__metadata__` entries: `"format":"pt"` first, then `metadata`'s
/// entries in key order (`format` in `metadata`, if there, must be `"pt"` and is written
/// once). Read them back from [`Loaded::metadata`](super::Loaded::metadata). The whole header
/// must stay within the format's 100 MB.
///
/// ```
/// use std::collections::BTreeMap;
/// use init_core::safetensors::{from_bytes, to_bytes_with_metadata};
/// use init_core::{StateDict, Tensor};
/// let mut sd = StateDict::new();
/// sd.insert("b", Tensor::from(ndarray::ArrayD::<f32>::zeros(vec![2])))?;
/// let meta = BTreeMap::from([("mup.version".to_string(), "1".to_string())]);
/// let bytes = to_bytes_with_metadata(&sd, &meta)?;
/// let header = r#"{"__metadata__":{"format":"pt","mup.version":"1"},"b":"#;
/// assert_eq!(&bytes[8..8 + header.len()], header.as_bytes());
/// let loaded = from_bytes(&bytes)?;
/// assert_eq!(loaded.metadata["mup.version"], "1");
/// assert_eq!(loaded.metadata.len(), 2);
///
/// let bad = BTreeMap::from([("format".to_string(), "np".to_string())]);
/// assert_eq!(
///     to_bytes_with_metadata(&sd, &bad).unwrap_err().to_string(),
///     "`__metadata__` entry `format`: this crate writes PyTorch's layout, so `format` must be \"pt\", got \"np\""
/// );
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn to_bytes_with_metadata(
    sd: &StateDict,
    metadata: &BTreeMap<String, String>,
) -> Result<Vec<u8>> {
    let plan = Plan::new(sd, metadata)?;
    let mut out = Vec::with_capacity(plan.total_len());
    plan.write(&mut out).map_err(|e| {
        InitError::from(FileError::Io {
            op: "serialize".into(),
            kind: e.kind(),
            message: e.to_string(),
        })
    })?;
    Ok(out)
}

/// Write `sd` to the safetensors file `path`, atomically.
///
/// The bytes of [`to_bytes`] go to a new temporary file in the same directory, which is
/// synced to disk and then renamed over `path`; the directory is then synced where the
/// platform allows. An existing file's permissions are kept. `path` itself is replaced (a
/// symbolic link there is replaced, not followed). Any file name the file system accepts can
/// be saved: temporary names are short (`.init-tmp.<host>.<pid>.<n>`, at most 50 bytes),
/// whatever the length of `path`'s; a name it refuses fails before anything is written.
///
/// What is left where, and when:
/// - On Linux, where the file system has `O_TMPFILE` (ext4, XFS, Btrfs, tmpfs, ...), the
///   temporary file has no name while it is written: a process killed then leaves nothing.
///   It gets a temporary name just before the rename; only a process killed in between
///   leaves that name.
/// - Elsewhere (other systems, file systems without `O_TMPFILE` such as NFS) the temporary
///   file is named from the start, and a process killed part-way leaves it.
/// - Each save first removes, in the target's directory, the temporary files of writers on
///   this machine that have died (see the rules below); other files are never touched.
/// - If the save fails with an error, its temporary file is removed.
///
/// In every case `path` is either the previous file, whole, or the new one, whole.
///
/// A temporary file is removed only if its name has exactly the form above, its `<host>`
/// (8 hex digits for the host name and the pid namespace) is this one's, and its `<pid>` is
/// not this process and names no live process (`kill(pid, 0)` fails with `ESRCH`; Unix only).
/// A live writer's file, and the files of writers on other machines sharing the directory,
/// stay. If a dead writer's pid is reused, its file stays until that new process ends.
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

/// [`save`] with more `__metadata__` entries, as [`to_bytes_with_metadata`] writes them; the
/// same atomic placing.
///
/// ```
/// use std::collections::BTreeMap;
/// use init_core::safetensors::{load, save_with_metadata};
/// use init_core::{StateDict, Tensor};
/// let path = std::env::temp_dir().join(format!("init-doc-meta-{}.safetensors", std::process::id()));
/// let mut sd = StateDict::new();
/// sd.insert("w", Tensor::from(ndarray::ArrayD::<f32>::ones(vec![2])))?;
/// let meta = BTreeMap::from([("note".to_string(), "μP base width 32".to_string())]);
/// save_with_metadata(&sd, &meta, &path)?;
/// assert_eq!(load(&path)?.metadata["note"], "μP base width 32");
/// std::fs::remove_file(&path).unwrap();
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn save_with_metadata(
    sd: &StateDict,
    metadata: &BTreeMap<String, String>,
    path: impl AsRef<Path>,
) -> Result<()> {
    save_plan(Plan::new(sd, metadata), path.as_ref(), &Hooks::NONE)
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
    save_plan(Plan::new(sd, &BTreeMap::new()), path, hooks)
}

/// Save a planned file (the plan's error, if any, reported with the path).
fn save_plan(plan: Result<Plan<'_>>, path: &Path, hooks: &Hooks) -> Result<()> {
    let at = |e: FileError| InitError::from(e).in_file(path);
    let io =
        |op: String, e: io::Error| at(FileError::Io { op, kind: e.kind(), message: e.to_string() });
    let plan = plan.map_err(|e| e.in_file(path))?;
    let Some(_) = path.file_name() else { return Err(at(FileError::NotAFilePath)) };
    // A name the file system refuses (too long, a parent that is a file) fails here, before
    // anything is written.
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            return Err(io("look up the target".into(), e));
        }
        _ => {}
    }
    if path.is_dir() {
        return Err(at(FileError::IsDirectory));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };

    temp_names::remove_dead_writers(dir);
    let (tmp, file) = Temp::create(dir, hooks.named_only).map_err(|(op, e)| io(op, e))?;
    let shown = tmp.describe();
    if let Ok(meta) = std::fs::metadata(path) {
        file.set_permissions(meta.permissions())
            .map_err(|e| io(format!("copy the permissions to {shown}"), e))?;
    }
    {
        let mut w = BufWriter::with_capacity(
            1 << 20,
            FailAfter {
                inner: &file,
                left: hooks.fail_after,
                fail: || io::Error::other("injected failure"),
            },
        );
        plan.write(&mut w).and_then(|()| w.flush()).map_err(|e| io(format!("write {shown}"), e))?;
    }
    (hooks.at)(Stage::Written);
    file.sync_all().map_err(|e| io(format!("sync {shown}"), e))?;
    tmp.place(file, path, || (hooks.at)(Stage::BeforeRename)).map_err(|(op, e)| io(op, e))
}

/// A writer that fails with `fail()` once `left` bytes have gone through (never, when `left`
/// is `None`): the failures the file writers' tests inject.
pub(crate) struct FailAfter<W> {
    pub(crate) inner: W,
    pub(crate) left: Option<u64>,
    pub(crate) fail: fn() -> io::Error,
}

impl<W: Write> Write for FailAfter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = match self.left {
            None => return self.inner.write(buf),
            Some(0) => return Err((self.fail)()),
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
    fn new(sd: &'a StateDict, metadata: &BTreeMap<String, String>) -> Result<Self> {
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
        let mut header = String::from(r#"{"__metadata__":{"format":"pt""#);
        for (key, value) in metadata {
            if key == "format" {
                if value != "pt" {
                    let rule = format!(
                        "this crate writes PyTorch's layout, so `format` must be \"pt\", got {value:?}"
                    );
                    return Err(FileError::BadMetadata { key: key.clone(), rule }.into());
                }
                continue;
            }
            // Serializing a string cannot fail; the fallback is never used.
            let json = |s: &str| serde_json::to_string(s).unwrap_or_default();
            header.push_str(&format!(",{}:{}", json(key), json(value)));
            if header.len() as u64 > MAX_HEADER {
                let e = FileError::HeaderTooLarge { len: header.len() as u64, limit: MAX_HEADER };
                return Err(e.into());
            }
        }
        header.push('}');
        for (&(key, t), start) in entries.iter().zip(starts) {
            if key == "__metadata__" {
                return Err(InitError::new(key, FileError::ReservedKey.into()));
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
            let e = FileError::HeaderTooLarge { len: header.len() as u64, limit: MAX_HEADER };
            return Err(e.into());
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
