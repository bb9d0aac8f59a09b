//! Where an archive's bytes come from: a file, read at offsets as needed (so the whole file is
//! never in memory at once), or bytes already in memory.

use std::fs::File;
use std::io;

use crate::error::FileError;

/// Bytes that can be read at any offset.
pub(super) trait Source {
    /// The length in bytes.
    fn len(&self) -> u64;
    /// Fill `buf` with the bytes at `at..at + buf.len()`; an error if they are not all there.
    fn read_at(&mut self, at: u64, buf: &mut [u8]) -> Result<(), FileError>;
}

impl Source for &[u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }

    fn read_at(&mut self, at: u64, buf: &mut [u8]) -> Result<(), FileError> {
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
    pub file: File,
    pub len: u64,
}

impl Source for FileSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&mut self, at: u64, buf: &mut [u8]) -> Result<(), FileError> {
        read_exact_at(&mut self.file, at, buf).map_err(|e| match e.kind() {
            io::ErrorKind::UnexpectedEof => eof(at, buf.len(), self.len),
            kind => FileError::Io { op: "read the file".into(), kind, message: e.to_string() },
        })
    }
}

#[cfg(unix)]
fn read_exact_at(file: &mut File, at: u64, buf: &mut [u8]) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
}

#[cfg(not(unix))]
fn read_exact_at(file: &mut File, at: u64, buf: &mut [u8]) -> io::Result<()> {
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
