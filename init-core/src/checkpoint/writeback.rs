//! Start the disk writing of each chunk as soon as it is in the page cache, and wait for the
//! chunk written two before it: the disk then works while the next chunks are computed,
//! instead of all at once in the final `fsync`, and the dirty pages of a writer stay a few
//! chunks (Linux's `sync_file_range`, the pattern its authors give for streaming writes;
//! elsewhere nothing, and the final sync does it all).

use std::collections::VecDeque;
use std::fs::File;

/// How many written chunks may be on their way to the disk at once.
const IN_FLIGHT: usize = 2;

/// The ranges of a file handed to the disk and not yet waited for.
pub(super) struct Writeback<'f> {
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    file: &'f File,
    pending: VecDeque<(u64, u64)>,
}

impl<'f> Writeback<'f> {
    pub(super) fn new(file: &'f File) -> Self {
        Writeback { file, pending: VecDeque::new() }
    }

    /// Bytes `offset..offset + len` were just written: start their writeback, and wait for
    /// the oldest range when more than [`IN_FLIGHT`] are pending. Best effort: an error
    /// here changes nothing (the final `sync_all` reports the disk's).
    pub(super) fn written(&mut self, offset: u64, len: u64) {
        self.pending.push_back((offset, len));
        self.range(offset, len, false);
        if self.pending.len() > IN_FLIGHT
            && let Some((o, l)) = self.pending.pop_front()
        {
            self.range(o, l, true);
        }
    }

    #[cfg(target_os = "linux")]
    fn range(&self, offset: u64, len: u64, wait: bool) {
        use std::os::fd::AsRawFd;
        let flags = if wait {
            libc::SYNC_FILE_RANGE_WAIT_BEFORE
                | libc::SYNC_FILE_RANGE_WRITE
                | libc::SYNC_FILE_RANGE_WAIT_AFTER
        } else {
            libc::SYNC_FILE_RANGE_WRITE
        };
        let (Ok(o), Ok(l)) = (libc::off64_t::try_from(offset), libc::off64_t::try_from(len)) else {
            return;
        };
        // SAFETY: the descriptor is open for the life of `self.file`; the call only starts
        // or waits for writeback of the range and touches no memory of ours.
        let _ = unsafe { libc::sync_file_range(self.file.as_raw_fd(), o, l, flags) };
    }

    #[cfg(not(target_os = "linux"))]
    fn range(&self, _offset: u64, _len: u64, _wait: bool) {}
}
