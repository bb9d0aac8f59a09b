//! The zip archive `torch.save` writes: its central directory, each entry's data range, and
//! each entry read with its CRC checked.
//!
//! `torch.save` stores every entry uncompressed (method 0), so only stored entries are read:
//! a compressed entry is an error, and with no inflater a zip bomb has nothing to expand.
//! Sizes are taken from the central directory (zip64 records where the 32-bit fields are
//! full); every range is checked against the file before anything of that size is allocated.

use super::crc32::Crc32;
use super::source::Source;
use crate::error::FileError;

const EOCD_SIG: u32 = 0x0605_4b50;
const EOCD64_LOCATOR_SIG: u32 = 0x0706_4b50;
const EOCD64_SIG: u32 = 0x0606_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const LOCAL_SIG: u32 = 0x0403_4b50;
/// The fixed sizes of the records.
const EOCD_LEN: u64 = 22;
const CENTRAL_LEN: usize = 46;
const LOCAL_LEN: usize = 30;
/// How much an entry is read at a time when it is streamed.
pub(super) const CHUNK: usize = 1 << 20;

/// One entry of the central directory.
#[derive(Debug)]
pub(super) struct Entry {
    pub name: String,
    method: u16,
    flags: u16,
    crc: u32,
    compressed: u64,
    pub size: u64,
    local: u64,
}

/// The entries of an archive, sorted by name (no name twice).
pub(super) struct Archive {
    entries: Vec<Entry>,
    /// Where the central directory starts: every entry's data lies before it.
    central_start: u64,
}

fn zip_err(entry: &str, rule: impl Into<String>) -> FileError {
    FileError::Zip { entry: entry.to_string(), rule: rule.into() }
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    b.get(at..at + 2).map_or(0, |s| u16::from_le_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4).map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8).and_then(|s| s.try_into().ok()).map_or(0, u64::from_le_bytes)
}

impl Archive {
    /// The central directory of the archive in `src`.
    pub fn read(src: &dyn Source) -> Result<Archive, FileError> {
        let len = src.len();
        let (count, cd_len, cd_start) = end_record(src)?;
        let cd_end = cd_start.checked_add(cd_len).filter(|&e| e <= len).ok_or_else(|| {
            zip_err("", format!("central directory at {cd_start}..+{cd_len} runs past the end of the file ({len} bytes)"))
        })?;
        if count.saturating_mul(CENTRAL_LEN as u64) > cd_len {
            return Err(zip_err(
                "",
                format!("{count} entries cannot fit in a central directory of {cd_len} bytes"),
            ));
        }
        let mut cd = vec![0; cd_len as usize];
        src.read_at(cd_start, &mut cd)?;
        let _ = cd_end;
        let mut entries = Vec::with_capacity(count as usize);
        let mut at = 0usize;
        for i in 0..count {
            let (e, next) = central_entry(&cd, at, i)?;
            entries.push(e);
            at = next;
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        if let Some(w) = entries.windows(2).find(|w| w[0].name == w[1].name) {
            return Err(zip_err(&w[0].name, "appears twice in the central directory"));
        }
        Ok(Archive { entries, central_start: cd_start })
    }

    /// The names of the entries, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.name.as_str())
    }

    /// The entry named `name`.
    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.entries
            .binary_search_by(|e| e.name.as_str().cmp(name))
            .ok()
            .and_then(|i| self.entries.get(i))
    }

    /// Where `e`'s data starts in the file, its local header checked.
    pub fn data_start(&self, src: &dyn Source, e: &Entry) -> Result<u64, FileError> {
        let err = |rule: String| zip_err(&e.name, rule);
        if e.flags & 1 != 0 {
            return Err(err("is encrypted".into()));
        }
        if e.method != 0 {
            let how = match e.method {
                8 => " (deflate)",
                12 => " (bzip2)",
                14 => " (lzma)",
                93 => " (zstd)",
                _ => "",
            };
            return Err(err(format!(
                "is compressed with method {}{how}; torch.save stores every entry uncompressed, and compressed entries are not read",
                e.method
            )));
        }
        if e.compressed != e.size {
            return Err(err(format!(
                "is stored uncompressed but its compressed size {} differs from its size {}",
                e.compressed, e.size
            )));
        }
        let mut local = [0u8; LOCAL_LEN];
        if e.local.checked_add(LOCAL_LEN as u64).is_none_or(|end| end > self.central_start) {
            return Err(err(format!(
                "local header at {} is not before the central directory",
                e.local
            )));
        }
        src.read_at(e.local, &mut local)?;
        if u32_at(&local, 0) != LOCAL_SIG {
            return Err(err(format!("no local header signature at offset {}", e.local)));
        }
        let name_len = u64::from(u16_at(&local, 26));
        let extra_len = u64::from(u16_at(&local, 28));
        let name_at = e.local + LOCAL_LEN as u64;
        if name_len != e.name.len() as u64 || name_at + name_len > self.central_start {
            return Err(err("its local header names another entry".into()));
        }
        let mut name = vec![0; name_len as usize];
        src.read_at(name_at, &mut name)?;
        if name != e.name.as_bytes() {
            return Err(err("its local header names another entry".into()));
        }
        let start = name_at + name_len + extra_len;
        if start.checked_add(e.size).is_none_or(|end| end > self.central_start) {
            return Err(err(format!(
                "data at {start}..+{} runs into the central directory (at {})",
                e.size, self.central_start
            )));
        }
        Ok(start)
    }

    /// The whole of entry `e`, its CRC checked.
    pub fn read_entry(&self, src: &dyn Source, e: &Entry) -> Result<Vec<u8>, FileError> {
        let start = self.data_start(src, e)?;
        let mut buf = Vec::new();
        buf.try_reserve_exact(e.size as usize)
            .map_err(|_| zip_err(&e.name, "does not fit in memory"))?;
        buf.resize(e.size as usize, 0);
        src.read_at(start, &mut buf)?;
        let mut crc = Crc32::new();
        crc.update(&buf);
        check_crc(e, crc)?;
        Ok(buf)
    }
}

/// The CRC of `e`'s bytes, computed as they were read, is the one the directory states.
pub(super) fn check_crc(e: &Entry, crc: Crc32) -> Result<(), FileError> {
    let got = crc.finish();
    if got != e.crc {
        return Err(zip_err(
            &e.name,
            format!("CRC-32 is {got:08x}, the directory says {:08x}: the data is corrupt", e.crc),
        ));
    }
    Ok(())
}

/// The end-of-central-directory record (zip64's where it says so): entry count, directory
/// length and start.
fn end_record(src: &dyn Source) -> Result<(u64, u64, u64), FileError> {
    let len = src.len();
    if len < EOCD_LEN {
        return Err(zip_err(
            "",
            format!("{len} bytes cannot hold the 22-byte end-of-central-directory record"),
        ));
    }
    // The record is the last 22 bytes plus a comment of at most 65535 bytes.
    let tail_len = len.min(EOCD_LEN + 0xffff);
    let mut tail = vec![0; tail_len as usize];
    src.read_at(len - tail_len, &mut tail)?;
    let found = (0..=tail.len() - EOCD_LEN as usize).rev().find(|&i| {
        u32_at(&tail, i) == EOCD_SIG
            && i + EOCD_LEN as usize + usize::from(u16_at(&tail, i + 20)) == tail.len()
    });
    let Some(i) = found else {
        return Err(zip_err(
            "",
            "no end-of-central-directory record: the file is truncated or not a zip archive",
        ));
    };
    let eocd_at = len - tail_len + i as u64;
    let r = &tail[i..];
    if u16_at(r, 4) != 0 || u16_at(r, 6) != 0 {
        return Err(zip_err("", "spans several disks"));
    }
    let (count, cd_len, cd_start) =
        (u64::from(u16_at(r, 10)), u64::from(u32_at(r, 12)), u64::from(u32_at(r, 16)));
    if count != 0xffff && cd_len != 0xffff_ffff && cd_start != 0xffff_ffff {
        return Ok((count, cd_len, cd_start));
    }
    // Zip64: a locator just before, pointing at the zip64 record.
    let mut loc = [0u8; 20];
    if eocd_at < 20 {
        return Err(zip_err("", "a 32-bit field is full but there is no zip64 locator"));
    }
    src.read_at(eocd_at - 20, &mut loc)?;
    if u32_at(&loc, 0) != EOCD64_LOCATOR_SIG {
        return Err(zip_err("", "a 32-bit field is full but there is no zip64 locator"));
    }
    let rec_at = u64_at(&loc, 8);
    let mut rec = [0u8; 56];
    if rec_at.checked_add(56).is_none_or(|e| e > eocd_at) {
        return Err(zip_err("", format!("zip64 record at {rec_at} is not before the end record")));
    }
    src.read_at(rec_at, &mut rec)?;
    if u32_at(&rec, 0) != EOCD64_SIG {
        return Err(zip_err("", format!("no zip64 end record at {rec_at}")));
    }
    Ok((u64_at(&rec, 32), u64_at(&rec, 40), u64_at(&rec, 48)))
}

/// The central entry at `at` in the directory `cd` (entry number `i`), and where the next
/// one starts.
fn central_entry(cd: &[u8], at: usize, i: u64) -> Result<(Entry, usize), FileError> {
    let short = || zip_err("", format!("central directory entry {i} runs past the directory"));
    let fixed = cd.get(at..at + CENTRAL_LEN).ok_or_else(short)?;
    if u32_at(fixed, 0) != CENTRAL_SIG {
        return Err(zip_err("", format!("central directory entry {i} has no signature")));
    }
    let (name_len, extra_len, comment_len) = (
        usize::from(u16_at(fixed, 28)),
        usize::from(u16_at(fixed, 30)),
        usize::from(u16_at(fixed, 32)),
    );
    let name_at = at + CENTRAL_LEN;
    let name = cd.get(name_at..name_at + name_len).ok_or_else(short)?;
    let extra = cd.get(name_at + name_len..name_at + name_len + extra_len).ok_or_else(short)?;
    let next = name_at + name_len + extra_len + comment_len;
    if next > cd.len() {
        return Err(short());
    }
    let name = std::str::from_utf8(name)
        .map_err(|_| {
            zip_err("", format!("central directory entry {i} has a name that is not UTF-8"))
        })?
        .to_string();
    let mut e = Entry {
        method: u16_at(fixed, 10),
        flags: u16_at(fixed, 8),
        crc: u32_at(fixed, 16),
        compressed: u64::from(u32_at(fixed, 20)),
        size: u64::from(u32_at(fixed, 24)),
        local: u64::from(u32_at(fixed, 42)),
        name,
    };
    zip64_extra(&mut e, extra)?;
    Ok((e, next))
}

/// The zip64 extra field (id 1): the 64-bit size, compressed size and offset, each present
/// only where the 32-bit field is full, in that order.
fn zip64_extra(e: &mut Entry, mut extra: &[u8]) -> Result<(), FileError> {
    let full = |v: u64| v == 0xffff_ffff;
    if !full(e.size) && !full(e.compressed) && !full(e.local) {
        return Ok(());
    }
    while extra.len() >= 4 {
        let (id, n) = (u16_at(extra, 0), usize::from(u16_at(extra, 2)));
        let body =
            extra.get(4..4 + n).ok_or_else(|| zip_err(&e.name, "extra field runs past its end"))?;
        if id == 1 {
            let mut at = 0;
            for v in [&mut e.size, &mut e.compressed, &mut e.local] {
                if full(*v) {
                    *v = body
                        .get(at..at + 8)
                        .map(|s| u64_at(s, 0))
                        .ok_or_else(|| zip_err(&e.name, "zip64 extra field is too short"))?;
                    at += 8;
                }
            }
            return Ok(());
        }
        extra = &extra[4 + n..];
    }
    Err(zip_err(&e.name, "a 32-bit size or offset is full but there is no zip64 extra field"))
}
