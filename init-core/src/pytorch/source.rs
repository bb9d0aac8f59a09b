//! Where an archive's bytes come from: a file, read at offsets as needed (so the whole file is
//! never in memory at once), or bytes already in memory. Both are read through `&self`, so
//! several tensors can be read at once.

use std::fs::File;
use std::io;

use crate::error::FileError;

/// Bytes that can be read at any offset, from several threads.
pub(super) trait Source: Sync {
    /// The length in bytes.
    fn len(&self) -> u64;
    /// Fill `buf` with the bytes at `at..at + buf.len()`; an error if they are not all there.
    fn read_at(&self, at: u64, buf: &mut [u8]) -> Result<(), FileError>;
}

impl Source for &[u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }

    fn read_at(&self, at: u64, buf: &mut [u8]) -> Result<(), FileError> {
        let range = usize::try_from(at).ok().and_then(|a| Some(a..a.checked_add(buf.len())?));
        match range.and_then(|r| self.get(r)) {
            Some(bytes) => {
                buf.copy_from_slice(bytes);
                Ok(())
            }
            None => Err(eof(at, buf.len(), Source::len(self))),
        }
    }
}

/// A file opened for reading, with the length it had when opened.
pub(super) struct FileSource {
    file: File,
    len: u64,
    /// Where reads at an offset are a seek then a read, one at a time.
    #[cfg(not(unix))]
    seek: std::sync::Mutex<()>,
}

impl FileSource {
    pub fn new(file: File, len: u64) -> FileSource {
        #[cfg(not(unix))]
        let seek = std::sync::Mutex::new(());
        FileSource {
            file,
            len,
            #[cfg(not(unix))]
            seek,
        }
    }
}

impl Source for FileSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, at: u64, buf: &mut [u8]) -> Result<(), FileError> {
        #[cfg(not(unix))]
        let _one_at_a_time = self.seek.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        read_exact_at(&self.file, at, buf).map_err(|e| match e.kind() {
            io::ErrorKind::UnexpectedEof => eof(at, buf.len(), self.len),
            kind => FileError::Io { op: "read the file".into(), kind, message: e.to_string() },
        })
    }
}

#[cfg(unix)]
fn read_exact_at(file: &File, at: u64, buf: &mut [u8]) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
}

/// Seek then read: the caller holds `FileSource::seek`.
#[cfg(not(unix))]
fn read_exact_at(mut file: &File, at: u64, buf: &mut [u8]) -> io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    file.seek(SeekFrom::Start(at))?;
    file.read_exact(buf)
}

/// Bytes asked for beyond the end (a file that shrank while being read).
fn eof(at: u64, n: usize, len: u64) -> FileError {
    FileError::Io {
        op: "read the file".into(),
        kind: io::ErrorKind::UnexpectedEof,
        message: format!(
            "bytes {at}..{} asked for, the file has {len}",
            at.saturating_add(n as u64)
        ),
    }
}
