//! The one pass over a header: `serde_json` reads the text as a stream of events (no `Value`
//! tree, nothing buffered) and these visitors put each tensor's entry straight into a [`Walk`].
//!
//! Every value is read through `deserialize_any`, the path `serde_json` takes to build a
//! `Value`, so the text is held to exactly the rules it was held to before (numbers in range,
//! escapes, nesting depth). A visitor never fails: a broken rule of the format is noted
//! ([`Broken`]) and the walk goes on to the end, so that a JSON error later in the text is the
//! one reported, with its line and column.

use std::borrow::Cow;
use std::fmt;

use super::file_dtype::FileDtype as Dtype;
use serde_core::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::header::{Broken, Entry, Quoted, bad};
use crate::error::FileError;

/// What one pass over a header found.
#[derive(Default)]
pub(super) struct Walk<'a> {
    /// One entry per key other than `__metadata__`, in the order written (a placeholder for
    /// an entry that breaks a rule: its key is still needed to find keys written twice).
    pub entries: Vec<Entry<'a>>,
    /// The dimensions of all shapes, one after the other ([`Entry::shape`]).
    pub dims: Vec<u64>,
    /// The first rule broken, in the order of the text.
    pub broken: Option<Broken>,
    /// When `__metadata__` is written twice: the number of entries before the second one.
    pub metadata_again: Option<usize>,
    /// The entries of (the first) `__metadata__`, in the order written.
    pub metadata: Vec<(String, String)>,
    seen_metadata: bool,
    /// Top-level keys read so far.
    fields: usize,
    /// Reused for each entry's `data_offsets`.
    scratch: Vec<u64>,
}

impl<'a> Walk<'a> {
    /// Read `text`: an error only when it is not JSON.
    pub fn header(text: &'a str) -> Result<Self, serde_json::Error> {
        let mut walk = Walk::default();
        let mut de = serde_json::Deserializer::from_str(text);
        (&mut de).deserialize_any(Any(Top(&mut walk)))?;
        de.end()?;
        Ok(walk)
    }

    fn note(&mut self, broken: Broken) {
        self.broken.get_or_insert(broken);
    }
}

/// What to do with each kind of JSON value. By default a value is unexpected: it is read to
/// its end and passed to [`Handler::other`] by its kind (`"a JSON array"`).
trait Handler<'de>: Sized {
    type Out;
    fn other(self, kind: &'static str) -> Self::Out;
    fn null(self) -> Self::Out {
        self.other("JSON null")
    }
    /// A number: `Some` when it is an integer in `0..2^64`.
    fn number(self, _: Option<u64>) -> Self::Out {
        self.other("a JSON number")
    }
    fn string(self, _: &str) -> Self::Out {
        self.other("a JSON string")
    }
    /// A string that is a slice of the text (it has no escapes).
    fn borrowed(self, s: &'de str) -> Self::Out {
        self.string(s)
    }
    fn array<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Out, A::Error> {
        while seq.next_element_seed(Any(Skip))?.is_some() {}
        Ok(self.other("a JSON array"))
    }
    fn object<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Out, A::Error> {
        while map.next_entry_seed(Any(Skip), Any(Skip))?.is_some() {}
        Ok(self.other("a JSON object"))
    }
}

/// A handler as a serde visitor (and seed: it reads one value, whatever its kind).
struct Any<H>(H);

impl<'de, H: Handler<'de>> DeserializeSeed<'de> for Any<H> {
    type Value = H::Out;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<H::Out, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, H: Handler<'de>> Visitor<'de> for Any<H> {
    type Value = H::Out;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<H::Out, E> {
        Ok(self.0.other("a JSON boolean"))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<H::Out, E> {
        Ok(self.0.number(u64::try_from(v).ok()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<H::Out, E> {
        Ok(self.0.number(Some(v)))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<H::Out, E> {
        Ok(self.0.number(None))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<H::Out, E> {
        Ok(self.0.string(v))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<H::Out, E> {
        Ok(self.0.borrowed(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<H::Out, E> {
        Ok(self.0.null())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<H::Out, A::Error> {
        self.0.array(seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<H::Out, A::Error> {
        self.0.object(map)
    }
}

/// Any value, read and dropped.
struct Skip;

impl Handler<'_> for Skip {
    type Out = ();
    fn other(self, _: &'static str) {}
}

/// An object key, borrowed from the text unless it has escapes.
struct Key;

impl<'de> Handler<'de> for Key {
    type Out = Cow<'de, str>;
    /// Not reached: `serde_json` reads keys as strings or fails.
    fn other(self, _: &'static str) -> Cow<'de, str> {
        Cow::Borrowed("")
    }
    fn string(self, s: &str) -> Cow<'de, str> {
        Cow::Owned(s.to_owned())
    }
    fn borrowed(self, s: &'de str) -> Cow<'de, str> {
        Cow::Borrowed(s)
    }
}

/// The whole header: an object whose fields are tensors and `__metadata__`.
struct Top<'w, 'a>(&'w mut Walk<'a>);

impl<'a> Handler<'a> for Top<'_, 'a> {
    type Out = ();
    fn other(self, kind: &'static str) {
        self.0.note(Broken::Now(bad(format!("the header is {kind}, not a JSON object"))));
    }
    fn object<A: MapAccess<'a>>(self, mut map: A) -> Result<(), A::Error> {
        let walk = self.0;
        while let Some(key) = map.next_key_seed(Any(Key))? {
            let at = walk.fields;
            walk.fields += 1;
            if key == "__metadata__" {
                if walk.seen_metadata && walk.metadata_again.is_none() {
                    walk.metadata_again = Some(walk.entries.len());
                }
                let first = !walk.seen_metadata;
                walk.seen_metadata = true;
                let mut entries = Vec::new();
                match map.next_value_seed(Any(Metadata(&mut entries)))? {
                    MetadataRead::Strings if first => walk.metadata = entries,
                    MetadataRead::Strings => {}
                    MetadataRead::NotStrings => {
                        walk.note(Broken::Quote { at, what: Quoted::Metadata, key: String::new() })
                    }
                    MetadataRead::Again(k) => walk.note(Broken::Now(bad(format!(
                        "`__metadata__` holds the key `{k}` more than once"
                    )))),
                }
            } else {
                map.next_value_seed(Any(EntryValue { walk: &mut *walk, key, at }))?;
            }
        }
        Ok(())
    }
}

/// `__metadata__`: null, or an object whose values are strings (as the `safetensors` crate
/// requires), each key once; its entries are pushed onto the vector.
struct Metadata<'v>(&'v mut Vec<(String, String)>);

/// What [`Metadata`] found.
enum MetadataRead {
    /// Null, or an object of strings (all pushed).
    Strings,
    /// Anything else (read to its end).
    NotStrings,
    /// An object of strings holding this key more than once.
    Again(String),
}

impl<'de> Handler<'de> for Metadata<'_> {
    type Out = MetadataRead;
    fn other(self, _: &'static str) -> MetadataRead {
        MetadataRead::NotStrings
    }
    fn null(self) -> MetadataRead {
        MetadataRead::Strings
    }
    fn object<A: MapAccess<'de>>(self, mut map: A) -> Result<MetadataRead, A::Error> {
        let mut all = true;
        while let Some((key, value)) = map.next_entry_seed(Any(Key), Any(StringValue))? {
            match value {
                Some(v) if all => self.0.push((key.into_owned(), v)),
                _ => all = false,
            }
        }
        if !all {
            return Ok(MetadataRead::NotStrings);
        }
        let mut keys: Vec<&str> = self.0.iter().map(|(k, _)| k.as_str()).collect();
        keys.sort_unstable();
        Ok(match keys.windows(2).find(|w| w.first() == w.last()) {
            Some(w) => MetadataRead::Again(w.first().copied().unwrap_or_default().to_string()),
            None => MetadataRead::Strings,
        })
    }
}

/// A string value, or `None` for any other value.
struct StringValue;

impl Handler<'_> for StringValue {
    type Out = Option<String>;
    fn other(self, _: &'static str) -> Option<String> {
        None
    }
    fn string(self, s: &str) -> Option<String> {
        Some(s.to_owned())
    }
}

/// A dtype field, as read.
enum DtypeField {
    Known(Dtype),
    /// A string that names no dtype.
    Unknown(String),
    NotString,
}

impl Handler<'_> for DtypeField {
    type Out = DtypeField;
    fn other(self, _: &'static str) -> DtypeField {
        DtypeField::NotString
    }
    fn string(self, s: &str) -> DtypeField {
        match Dtype::from_name(s) {
            Some(d) => DtypeField::Known(d),
            None => DtypeField::Unknown(s.to_owned()),
        }
    }
}

/// An array of integers in `0..2^64`, pushed onto a vector: `false` (the array read to its
/// end) when the value is anything else.
struct Integers<'v>(&'v mut Vec<u64>);

impl<'de> Handler<'de> for Integers<'_> {
    type Out = bool;
    fn other(self, _: &'static str) -> bool {
        false
    }
    fn array<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        let mut all = true;
        while let Some(n) = seq.next_element_seed(Any(Integer))? {
            match n {
                Some(n) if all => self.0.push(n),
                _ => all = false,
            }
        }
        Ok(all)
    }
}

/// An integer in `0..2^64`, or `None`.
struct Integer;

impl Handler<'_> for Integer {
    type Out = Option<u64>;
    fn other(self, _: &'static str) -> Option<u64> {
        None
    }
    fn number(self, n: Option<u64>) -> Option<u64> {
        n
    }
}

/// The value of one tensor's key: an object with `dtype`, `shape` and `data_offsets` (other
/// fields are read and ignored, as the `safetensors` crate ignores them).
struct EntryValue<'w, 'a> {
    walk: &'w mut Walk<'a>,
    key: Cow<'a, str>,
    /// Its position among the header's keys.
    at: usize,
}

/// The three fields of an entry as read: `None` while not seen.
#[derive(Default)]
struct Fields {
    dtype: Option<DtypeField>,
    /// The range of `Walk::dims` holding the shape, or `None` if it is not an integer array.
    shape: Option<Option<(usize, usize)>>,
    offsets: Option<Option<(u64, u64)>>,
    /// The first of the three written twice.
    twice: Option<&'static str>,
}

impl<'a> Handler<'a> for EntryValue<'_, 'a> {
    type Out = ();
    fn other(self, kind: &'static str) {
        let rule = format!(
            "tensor `{}`: its entry is {kind}, not an object with dtype, shape and data_offsets",
            self.key
        );
        self.walk.note(Broken::Now(bad(rule)));
        self.walk.entries.push(Entry::placeholder(self.key));
    }
    fn object<A: MapAccess<'a>>(self, mut map: A) -> Result<(), A::Error> {
        let walk = self.walk;
        let mut f = Fields::default();
        while let Some(name) = map.next_key_seed(Any(Key))? {
            let (name, again) = match name.as_ref() {
                "dtype" => (
                    "dtype",
                    f.dtype.replace(map.next_value_seed(Any(DtypeField::NotString))?).is_some(),
                ),
                "shape" => {
                    let lo = walk.dims.len();
                    let ok = map.next_value_seed(Any(Integers(&mut walk.dims)))?;
                    if !ok {
                        walk.dims.truncate(lo);
                    }
                    ("shape", f.shape.replace(ok.then_some((lo, walk.dims.len()))).is_some())
                }
                "data_offsets" => {
                    walk.scratch.clear();
                    let ok = map.next_value_seed(Any(Integers(&mut walk.scratch)))?;
                    let pair = match walk.scratch[..] {
                        [start, end] if ok => Some((start, end)),
                        _ => None,
                    };
                    ("data_offsets", f.offsets.replace(pair).is_some())
                }
                _ => {
                    map.next_value_seed(Any(Skip))?;
                    continue;
                }
            };
            if again && f.twice.is_none() {
                f.twice = Some(name);
            }
        }
        let e = match check(&self.key, self.at, f) {
            Ok(e) => Entry { key: self.key, ..e },
            Err(broken) => {
                walk.note(broken);
                Entry::placeholder(self.key)
            }
        };
        walk.entries.push(e);
        Ok(())
    }
}

/// The entry of tensor `key` (all but the key), or the first rule its fields break (in the
/// order the checks were always made: a field twice, a field missing, then each field's type).
fn check(key: &str, at: usize, f: Fields) -> Result<Entry<'static>, Broken> {
    if let Some(name) = f.twice {
        return Err(Broken::Now(bad(format!("tensor `{key}`: field `{name}` appears twice"))));
    }
    let missing = |name: &str| Broken::Now(bad(format!("tensor `{key}`: missing field `{name}`")));
    let dtype = f.dtype.ok_or_else(|| missing("dtype"))?;
    let shape = f.shape.ok_or_else(|| missing("shape"))?;
    let offsets = f.offsets.ok_or_else(|| missing("data_offsets"))?;
    let quote = |what| Broken::Quote { at, what, key: key.to_string() };
    let dtype = match dtype {
        DtypeField::Known(d) => d,
        DtypeField::Unknown(name) => {
            return Err(Broken::Now(FileError::UnknownDtype { key: key.to_string(), dtype: name }));
        }
        DtypeField::NotString => return Err(quote(Quoted::Dtype)),
    };
    let (lo, hi) = shape.ok_or_else(|| quote(Quoted::Shape))?;
    let (start, end) = offsets.ok_or_else(|| quote(Quoted::Offsets))?;
    // A header of at most 100 MB has fewer than 2^32 dimensions in all; no file reaches this.
    let (Ok(lo), Ok(hi)) = (u32::try_from(lo), u32::try_from(hi)) else {
        return Err(Broken::Now(bad(format!(
            "tensor `{key}`: more dimensions than a header holds"
        ))));
    };
    Ok(Entry { key: Cow::Borrowed(""), dtype, dims: (lo, hi), start, end })
}
