//! The names of the temporary files of [`save`](super::save), and the removal of those that
//! dead writers left behind.
//!
//! A temporary name is `.init-tmp.<host>.<pid>.<n>`: `<host>` is 8 hex digits that stand for
//! the machine and the pid namespace of the writer (a hash of the host name and, on Linux,
//! of `/proc/self/ns/pid`), `<pid>` the writer's process id and `<n>` a counter of the
//! process. At most 50 bytes whatever the target's name, so any name the file system
//! accepts for the target can be saved.
//!
//! A name tells whose it is, so the next save in a directory removes the temporaries of
//! writers that died, and only those: names of exactly this form (digits as written here, no
//! sign or leading zero), of this `<host>`, whose `<pid>` is not this process and names no
//! process (`kill(pid, 0)` fails with `ESRCH`). A live writer's file, a writer's on another
//! machine or in another container (another `<host>`) and every other name stay. If a pid is
//! reused, a dead writer's file stays until the new process with that pid ends. Two machines
//! with the same host name in the same pid namespace inode (an unlikely clash) could remove
//! each other's temporaries of a live save: that save then fails with an error, it never
//! leaves a broken target.

use std::ffi::OsStr;
use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

const PREFIX: &str = ".init-tmp.";

/// A new temporary name of this process (another one at each call).
pub(super) fn next() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    name(host(), std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

fn name(host: &str, pid: u32, n: u64) -> String {
    format!("{PREFIX}{host}.{pid}.{n}")
}

/// The writer's pid in a temporary name of this host, if `file` is exactly such a name.
fn writer(file: &OsStr) -> Option<u32> {
    let file = file.to_str()?;
    let rest = file.strip_prefix(PREFIX)?.strip_prefix(host())?.strip_prefix('.')?;
    let (pid, n) = rest.split_once('.')?;
    let (pid, n) = (pid.parse().ok()?, n.parse().ok()?);
    (pid > 0 && name(host(), pid, n) == file).then_some(pid)
}

/// Remove the temporary files in `dir` of writers of this host that are no longer alive.
/// Best effort: a directory that cannot be read, or a file that cannot be removed, is left.
pub(crate) fn remove_dead_writers(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let me = std::process::id();
    for entry in entries.flatten() {
        let Some(pid) = writer(&entry.file_name()) else { continue };
        if pid != me && is_dead(pid) && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether no process has this pid (in this pid namespace).
#[cfg(unix)]
fn is_dead(pid: u32) -> bool {
    // 0 and negative pids name process groups: never asked.
    let Ok(pid) = libc::pid_t::try_from(pid) else { return false };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 is not sent; `kill` only checks that the process exists.
    let r = unsafe { libc::kill(pid, 0) };
    r != 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
}

/// Without `kill(pid, 0)` no writer is known to be dead: nothing is removed.
#[cfg(not(unix))]
fn is_dead(_pid: u32) -> bool {
    false
}

/// The 8 hex digits of this machine and pid namespace.
pub(super) fn host() -> &'static str {
    static HOST: OnceLock<String> = OnceLock::new();
    HOST.get_or_init(|| {
        let mut id = host_name();
        #[cfg(target_os = "linux")]
        if let Ok(ns) = std::fs::read_link("/proc/self/ns/pid") {
            id.push('\0');
            id.push_str(&ns.to_string_lossy());
        }
        // FNV-1a: stable across runs and versions (a name must keep its meaning).
        let hash = id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        format!("{:08x}", (hash >> 32) ^ (hash & 0xffff_ffff))
    })
}

#[cfg(unix)]
fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for `buf.len()` bytes; the last byte stays 0.
    let r = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len() - 1) };
    if r != 0 {
        return String::new();
    }
    let len = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(buf.get(..len).unwrap_or_default()).into_owned()
}

#[cfg(not(unix))]
fn host_name() -> String {
    std::env::var("COMPUTERNAME").unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_short_and_read_back_exactly() {
        let long = name(host(), u32::MAX, u64::MAX);
        assert_eq!(long.len(), 10 + 8 + 1 + 10 + 1 + 20);
        assert!(host().len() == 8 && host().bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(writer(OsStr::new(&long)), Some(u32::MAX));
        assert_eq!(writer(OsStr::new(&name(host(), 12, 0))), Some(12));
        let h = host();
        for other in [
            format!(".init-tmp.{h}.12"),
            format!(".init-tmp.{h}.12.0.tmp"),
            format!(".init-tmp.{h}.012.0"),
            format!(".init-tmp.{h}.+12.0"),
            format!(".init-tmp.{h}.12.01"),
            format!(".init-tmp.{h}.0.0"),
            format!(".init-tmp.{h}.4294967296.0"),
            format!("x.init-tmp.{h}.12.0"),
            ".init-tmp.12.0".into(),
            format!(".init-tmp.{}.12.0", if h == "00000000" { "00000001" } else { "00000000" }),
        ] {
            assert_eq!(writer(OsStr::new(&other)), None, "{other}");
        }
    }
}
