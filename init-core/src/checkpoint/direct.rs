//! A shard's bytes written past the page cache (Linux `O_DIRECT`), in whole aligned blocks.
//!
//! A buffered write copies every byte into the page cache, and once the cache is full each
//! new page must first be reclaimed: on the 2-core machine of BENCHMARKS.md W5 that costs
//! about 0.75 s of kernel time per GB written (dd: 3.2 s for 4.3 GB), more than computing
//! the values. With `O_DIRECT` the disk reads the block from our memory (dd: 0.9 s for the
//! same 4.3 GB, and 1.6 GB/s instead of 0.9). `O_DIRECT` needs the file offset, the length
//! and the memory of each write aligned, so the bytes are gathered into one aligned block
//! and written a block at a time; the last, partial block goes through the page cache.
//! Where the file system refuses `O_DIRECT` (tmpfs before Linux 6.6, some network file
//! systems), or off Linux, the same blocks are written buffered.

use std::fs::File;
use std::io::{self, Write};

use super::writeback::Writeback;

/// Alignment of offsets, lengths and memory for `O_DIRECT`: the page size, which every
/// logical block size Linux supports divides.
const ALIGN: usize = 4096;

/// Bytes per write: large enough that the disk streams, small next to the writer's budget.
const BLOCK: usize = 8 << 20;

/// Gathers the bytes of one file into aligned blocks and writes each whole.
pub(super) struct DirectOut<'f> {
    file: &'f File,
    /// `BLOCK + ALIGN` bytes; the block is the aligned `BLOCK` bytes at `start`.
    buf: Vec<u8>,
    start: usize,
    /// Bytes of the block filled.
    len: usize,
    /// Whether the descriptor has `O_DIRECT` set.
    direct: bool,
    /// Bytes written to the file so far.
    offset: u64,
    /// Writeback of the blocks written buffered, started as each is written.
    writeback: Writeback<'f>,
}

impl<'f> DirectOut<'f> {
    /// A writer for `file` (empty, positioned at 0), with `O_DIRECT` set when the file
    /// system accepts it.
    pub(super) fn new(file: &'f File) -> Self {
        Self::shifted(file, 0)
    }

    /// [`DirectOut::new`] with the block `shift` bytes past alignment (tests: a shift makes
    /// the kernel refuse the `O_DIRECT` write, as a file system that cannot do it would).
    fn shifted(file: &'f File, shift: usize) -> Self {
        let buf = vec![0u8; BLOCK + ALIGN];
        let start = (buf.as_ptr().align_offset(ALIGN) + shift) % ALIGN;
        let direct = set_direct(file, true);
        DirectOut { file, buf, start, len: 0, direct, offset: 0, writeback: Writeback::new(file) }
    }

    /// Whether the blocks bypass the page cache (tests and reports).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(super) fn is_direct(&self) -> bool {
        self.direct
    }

    /// Write the last, partial block (buffered: its length is not aligned) and leave the
    /// descriptor as it was. The caller syncs the file.
    pub(super) fn finish(mut self) -> io::Result<()> {
        if self.direct {
            set_direct(self.file, false);
            self.direct = false;
        }
        self.write_block()
    }

    /// Write the filled part of the block. A file system that took the flag but refuses
    /// the write (`EINVAL`) gets it again buffered, and every later block too.
    fn write_block(&mut self) -> io::Result<()> {
        let block = &self.buf[self.start..self.start + self.len];
        match put(self.file, block, self.offset) {
            Err(e) if self.direct && e.raw_os_error() == Some(EINVAL) => {
                set_direct(self.file, false);
                self.direct = false;
                // At the block's own offset: whatever part of it went through is rewritten.
                put(self.file, block, self.offset)?;
            }
            other => other?,
        }
        if !self.direct {
            self.writeback.written(self.offset, self.len as u64);
        }
        self.offset += self.len as u64;
        self.len = 0;
        Ok(())
    }
}

impl Write for DirectOut<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let n = bytes.len().min(BLOCK - self.len);
        let at = self.start + self.len;
        self.buf[at..at + n].copy_from_slice(&bytes[..n]);
        self.len += n;
        if self.len == BLOCK {
            self.write_block()?;
        }
        Ok(n)
    }

    /// Nothing: a block is written when full, the rest by [`DirectOut::finish`].
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Write `block` at `offset` of `file`, whole.
#[cfg(unix)]
fn put(file: &File, block: &[u8], offset: u64) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.write_all_at(block, offset)
}

/// Write `block` at the end of what was written (`O_DIRECT` is never on here, so a block is
/// never written twice).
#[cfg(not(unix))]
fn put(mut file: &File, block: &[u8], _offset: u64) -> io::Result<()> {
    file.write_all(block)
}

#[cfg(target_os = "linux")]
const EINVAL: i32 = libc::EINVAL;
#[cfg(not(target_os = "linux"))]
const EINVAL: i32 = 22;

/// Set or clear `O_DIRECT` on `file`'s descriptor; whether it is now as asked.
#[cfg(target_os = "linux")]
fn set_direct(file: &File, on: bool) -> bool {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: `fd` is open for the life of `file`; F_GETFL reads its status flags and
    // touches no memory of ours.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 {
        return false;
    }
    let new = if on { flags | libc::O_DIRECT } else { flags & !libc::O_DIRECT };
    // SAFETY: as above; F_SETFL changes only the descriptor's status flags.
    unsafe { libc::fcntl(fd, libc::F_SETFL, new) == 0 }
}

#[cfg(not(target_os = "linux"))]
fn set_direct(_file: &File, on: bool) -> bool {
    !on
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    /// Bytes in pieces of every size around the block and alignment boundaries come back
    /// whole and in order, whether the file system took `O_DIRECT` or not.
    #[test]
    fn pieces_of_any_size_make_the_file() {
        write_and_read_back(0);
    }

    /// A block the kernel refuses to write directly (`EINVAL`) is written buffered, and so
    /// is every later one.
    #[test]
    fn a_refused_direct_write_falls_back_to_the_page_cache() {
        if let Some(direct) = write_and_read_back(1) {
            assert!(!direct, "a misaligned block cannot have been written with O_DIRECT");
        }
    }

    /// Writes a file through a `DirectOut` shifted by `shift`, checks its bytes, and
    /// returns whether `O_DIRECT` was still on at the end (`None`: never on here).
    fn write_and_read_back(shift: usize) -> Option<bool> {
        let dir = std::env::temp_dir();
        let path = dir.join(format!("init-direct-{}-{shift}", std::process::id()));
        let mut options = File::options();
        let file = options.create(true).truncate(true).read(true).write(true).open(&path).unwrap();
        let want: Vec<u8> = (0..2 * BLOCK + 3 * ALIGN + 17).map(|i| (i * 31 % 251) as u8).collect();
        let mut out = DirectOut::shifted(&file, shift);
        let was_direct = out.is_direct();
        let sizes = [1, ALIGN - 1, ALIGN, ALIGN + 1, BLOCK - 3, BLOCK, 5, BLOCK + 7];
        let (mut at, mut k) = (0, 0);
        while at < want.len() {
            let n = sizes[k % sizes.len()].min(want.len() - at);
            out.write_all(&want[at..at + n]).unwrap();
            at += n;
            k += 1;
        }
        let direct = out.is_direct();
        eprintln!(
            "O_DIRECT in {} (shift {shift}): {was_direct} at first, {direct} at the end",
            dir.display()
        );
        out.finish().unwrap();
        let mut got = Vec::new();
        File::open(&path).unwrap().read_to_end(&mut got).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(got == want, "{} bytes written, {} read back", want.len(), got.len());
        was_direct.then_some(direct)
    }
}
