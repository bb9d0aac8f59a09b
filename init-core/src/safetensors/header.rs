//! The JSON header of a safetensors file: its tensor entries in the order written, every rule
//! of the format checked, each broken header with its own error.
//!
//! The text is read once, as a stream ([`walk`](super::walk)): no `Value` tree, no second
//! parse, memory proportional to the number of entries (56 bytes each, plus 8 per dimension;
//! keys are slices of the text unless they have escapes). Keys written twice, which a JSON map
//! would silently merge, are found by sorting the keys' hashes. The JSON syntax is checked
//! first (its errors give a line and column), then the keys written twice, then the first rule
//! broken in the order of the text. A message that quotes a value as written finds it again in
//! the text ([`scan`](super::scan)), only then.

use std::borrow::Cow;
use std::hash::{BuildHasher, RandomState};

use super::scan;
use super::walk::Walk;
use crate::error::FileError;

/// The tensor entries of a header and the dimensions of their shapes.
pub(super) struct Header<'a> {
    /// In the order written, `__metadata__` checked and left out.
    pub entries: Vec<Entry<'a>>,
    /// All shapes, one after the other ([`Entry::shape`]).
    pub dims: Vec<u64>,
    /// The `__metadata__` entries, in the order written.
    pub metadata: Vec<(String, String)>,
}

impl Header<'_> {
    /// The same entries, their keys copied out of the text (which can then be dropped). The
    /// entries keep their allocation: a key borrowed and a key owned take the same room.
    pub fn into_owned(self) -> Header<'static> {
        let owned = |e: Entry<'_>| Entry { key: Cow::Owned(e.key.into_owned()), ..e };
        let entries = self.entries.into_iter().map(owned).collect();
        Header { entries, dims: self.dims, metadata: self.metadata }
    }
}

/// One tensor's entry in the header, as written.
#[derive(Debug)]
pub(super) struct Entry<'a> {
    pub key: Cow<'a, str>,
    pub dtype: super::file_dtype::FileDtype,
    /// Its shape's range in [`Header::dims`].
    pub dims: (u32, u32),
    pub start: u64,
    pub end: u64,
}

impl<'a> Entry<'a> {
    /// The shape, a slice of `dims` (empty if the range is not in it, which no header gives).
    pub fn shape<'d>(&self, dims: &'d [u64]) -> &'d [u64] {
        let (lo, hi) = (self.dims.0 as usize, self.dims.1 as usize);
        dims.get(lo..hi).unwrap_or_default()
    }

    /// An entry that only holds its key (for a value that broke a rule: the header is
    /// rejected, the key still takes part in the search for keys written twice).
    pub fn placeholder(key: Cow<'a, str>) -> Self {
        Entry { key, dtype: super::file_dtype::FileDtype::F32, dims: (0, 0), start: 0, end: 0 }
    }
}

/// A rule of the format that a header breaks, as noted during the walk.
pub(super) enum Broken {
    /// The error, complete.
    Now(FileError),
    /// An error whose message quotes a value as written: the value of the header's key number
    /// `at` (or, for a tensor's field, that field of it).
    Quote { at: usize, what: Quoted, key: String },
}

/// The values whose message quotes them.
pub(super) enum Quoted {
    Metadata,
    Dtype,
    Shape,
    Offsets,
}

/// The tensor entries of a header, in the order the header lists them.
pub(super) fn parse(text: &str) -> Result<Header<'_>, FileError> {
    let walk =
        Walk::header(text).map_err(|e| FileError::HeaderNotJson { reason: e.to_string() })?;
    duplicates(&walk)?;
    if let Some(broken) = walk.broken {
        return Err(broken.error(text));
    }
    Ok(Header { entries: walk.entries, dims: walk.dims, metadata: walk.metadata })
}

pub(super) fn bad(rule: String) -> FileError {
    FileError::BadHeader { rule }
}

/// The first key written a second time, in the order of the text (`__metadata__` included).
///
/// The keys' hashes (keyed at random, so no file can choose collisions) are sorted with
/// their positions, and keys written twice become neighbours: a sort of 16-byte pairs, which
/// for a million keys is several times faster than a hash set, whose every insert is a cache
/// miss.
fn duplicates(walk: &Walk<'_>) -> Result<(), FileError> {
    let entries = &walk.entries;
    let state = RandomState::new();
    let mut hashed: Vec<(u64, usize)> =
        entries.iter().enumerate().map(|(i, e)| (state.hash_one(e.key.as_ref()), i)).collect();
    hashed.sort_unstable();
    let key = |i: usize| entries.get(i).map_or("", |e| e.key.as_ref());
    // The position of the first entry whose key an earlier entry has.
    let mut first: Option<usize> = None;
    for run in hashed.chunk_by(|a, b| a.0 == b.0).filter(|run| run.len() > 1) {
        // Positions ascend within a run: the first one that repeats an earlier key.
        let again = run.iter().enumerate().skip(1).find_map(|(k, &(_, i))| {
            run.get(..k)?.iter().any(|&(_, j)| key(j) == key(i)).then_some(i)
        });
        if let Some(i) = again {
            first = Some(first.map_or(i, |f| f.min(i)));
        }
    }
    // A second `__metadata__` written after `n` entries comes before entry `n`.
    match (first, walk.metadata_again) {
        (Some(i), Some(n)) if n <= i => Err(again("__metadata__")),
        (Some(i), _) => Err(again(key(i))),
        (None, Some(_)) => Err(again("__metadata__")),
        (None, None) => Ok(()),
    }
}

fn again(key: &str) -> FileError {
    FileError::DuplicateTensor { key: key.to_string() }
}

impl Broken {
    fn error(self, text: &str) -> FileError {
        let (at, what, key) = match self {
            Broken::Now(kind) => return kind,
            Broken::Quote { at, what, key } => (at, what, key),
        };
        let field = match what {
            Quoted::Metadata => None,
            Quoted::Dtype => Some("dtype"),
            Quoted::Shape => Some("shape"),
            Quoted::Offsets => Some("data_offsets"),
        };
        let value = scan::nth_value(text, at);
        let raw = match field {
            Some(name) => value.and_then(|v| scan::field_value(v, name)),
            None => value,
        };
        let got = excerpt(raw.unwrap_or_default());
        bad(match what {
            Quoted::Metadata => format!("`__metadata__` must map strings to strings, got {got}"),
            Quoted::Dtype => format!("tensor `{key}`: dtype must be a string, got {got}"),
            Quoted::Shape => format!(
                "tensor `{key}`: shape must be an array of non-negative integers, got {got}"
            ),
            Quoted::Offsets => {
                format!("tensor `{key}`: data_offsets must be two non-negative integers, got {got}")
            }
        })
    }
}

/// The start of `raw`, cut to a readable length for a message.
fn excerpt(raw: &str) -> String {
    const MAX: usize = 40;
    let raw = raw.trim();
    if raw.len() <= MAX {
        return raw.to_string();
    }
    let mut end = MAX;
    while !raw.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", raw.get(..end).unwrap_or(""))
}
