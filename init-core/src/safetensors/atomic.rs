//! The temporary file of an atomic save: unnamed (`O_TMPFILE`) where the OS allows it, else a
//! named one; and the last step, which puts it in place of the target.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use super::temp_names;

/// A step that failed: what was being done, in words, and the OS's error.
pub(crate) type StepError = (String, io::Error);

/// How many taken names to skip before giving up (names of dead writers with our pid, or of
/// writers on other machines sharing the directory).
const ATTEMPTS: usize = 100;

/// The name of a temporary file in the target's directory (none yet for an unnamed file),
/// removed when dropped unless the file was placed.
pub(crate) struct Temp {
    dir: PathBuf,
    /// Its name; `None` while it is unnamed.
    name: Option<PathBuf>,
}

impl Temp {
    /// A new temporary file in `dir`: unnamed if the OS and the file system can (Linux's
    /// `O_TMPFILE`, and `/proc` to name it later), else (or with `named_only`) named.
    pub(crate) fn create(dir: &Path, named_only: bool) -> Result<(Temp, File), StepError> {
        #[cfg(target_os = "linux")]
        if !named_only && let Some(file) = unnamed::open(dir) {
            return Ok((Temp { dir: dir.into(), name: None }, file));
        }
        let _ = named_only; // read on Linux only
        let mut attempt = 0;
        loop {
            let path = dir.join(temp_names::next());
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(f) => return Ok((Temp { dir: dir.into(), name: Some(path) }, f)),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < ATTEMPTS => {
                    attempt += 1;
                }
                Err(e) => return Err((format!("create a temporary file {}", path.display()), e)),
            }
        }
    }

    /// The file, in words: "the temporary file /d/.init-tmp.…" or "the unnamed temporary file
    /// in /d".
    pub(crate) fn describe(&self) -> String {
        match &self.name {
            Some(p) => format!("the temporary file {}", p.display()),
            None => format!("the unnamed temporary file in {}", self.dir.display()),
        }
    }

    /// Put `file` (written and synced) in place of `target`: give an unnamed file a short
    /// temporary name, close it, call `before_rename`, rename it over `target`, then sync the
    /// directory where the platform allows. On error the temporary name is removed.
    pub(crate) fn place(
        mut self,
        file: File,
        target: &Path,
        before_rename: impl FnOnce(),
    ) -> Result<(), StepError> {
        #[cfg(target_os = "linux")]
        if self.name.is_none() {
            self.name = Some(unnamed::link(&file, &self.dir)?);
        }
        drop(file);
        before_rename();
        let Some(tmp) = &self.name else {
            return Err(("name the temporary file".into(), io::Error::other("it has no name")));
        };
        std::fs::rename(tmp, target).map_err(|e| {
            (format!("rename the temporary file {} over the target", tmp.display()), e)
        })?;
        self.name = None;
        // Make the rename itself durable. Best effort: not every platform can open a directory.
        if let Ok(d) = File::open(&self.dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        if let Some(p) = self.name.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Linux's unnamed files: no name exists while the data is written, so a writer killed then
/// leaves nothing.
#[cfg(target_os = "linux")]
mod unnamed {
    use std::ffi::CString;
    use std::fs::{File, OpenOptions};
    use std::io;
    use std::os::fd::AsRawFd;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::OpenOptionsExt;
    use std::path::{Path, PathBuf};

    use super::{ATTEMPTS, StepError, temp_names};

    /// An unnamed file in `dir`, or `None` where that cannot be had (a file system without
    /// `O_TMPFILE`, no `/proc` to link it through, or any other error: the named path then
    /// reports it).
    pub(super) fn open(dir: &Path) -> Option<File> {
        let file = OpenOptions::new().write(true).custom_flags(libc::O_TMPFILE).open(dir).ok()?;
        std::fs::symlink_metadata(proc_path(&file)).is_ok().then_some(file)
    }

    fn proc_path(file: &File) -> String {
        format!("/proc/self/fd/{}", file.as_raw_fd())
    }

    /// Give `file` a new short name in `dir` (`linkat` of `/proc/self/fd/N`, which needs no
    /// capability, where `AT_EMPTY_PATH` would need `CAP_DAC_READ_SEARCH`).
    pub(super) fn link(file: &File, dir: &Path) -> Result<PathBuf, StepError> {
        let c = |p: &[u8]| CString::new(p).map_err(io::Error::other);
        let mut attempt = 0;
        loop {
            let path = dir.join(temp_names::next());
            let op = || {
                format!(
                    "link the unnamed temporary file in {} as {}",
                    dir.display(),
                    path.display()
                )
            };
            let from = c(proc_path(file).as_bytes()).map_err(|e| (op(), e))?;
            let to = c(path.as_os_str().as_bytes()).map_err(|e| (op(), e))?;
            // SAFETY: both are NUL-terminated strings that outlive the call.
            let r = unsafe {
                libc::linkat(
                    libc::AT_FDCWD,
                    from.as_ptr(),
                    libc::AT_FDCWD,
                    to.as_ptr(),
                    libc::AT_SYMLINK_FOLLOW,
                )
            };
            if r == 0 {
                return Ok(path);
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::AlreadyExists || attempt >= ATTEMPTS {
                return Err((op(), e));
            }
            attempt += 1;
        }
    }
}
