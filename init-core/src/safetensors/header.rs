//! The JSON header of a safetensors file, read in document order.
//!
//! `serde_json` first checks that the text is JSON at all (and gives the line and column when
//! it is not). A small scanner then walks the (now known valid) text to get the keys in the
//! order they are written and to catch keys written twice, which a JSON map would silently
//! merge. Each value is parsed again by `serde_json`, on its own slice.

use std::collections::HashSet;

use serde_json::Value;

use crate::error::ErrorKind;

/// One tensor's entry in the header, as written.
#[derive(Debug)]
pub(super) struct Entry {
    pub key: String,
    pub dtype: ::safetensors::Dtype,
    pub shape: Vec<u64>,
    pub start: u64,
    pub end: u64,
}

/// The tensor entries of a header, in the order the header lists them (`__metadata__`
/// checked and left out).
pub(super) fn parse(text: &str) -> Result<Vec<Entry>, ErrorKind> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| ErrorKind::HeaderNotJson { reason: e.to_string() })?;
    if !value.is_object() {
        return Err(bad(format!("the header is {}, not a JSON object", kind_of(&value))));
    }
    drop(value);
    let fields = object_fields(text).ok_or_else(|| bad("the header cannot be scanned".into()))?;
    let mut seen = HashSet::with_capacity(fields.len());
    for (key, _) in &fields {
        if !seen.insert(key.as_str()) {
            return Err(ErrorKind::DuplicateTensor { key: key.clone() });
        }
    }
    let mut entries = Vec::with_capacity(fields.len());
    for (key, raw) in fields {
        if key == "__metadata__" {
            check_metadata(raw)?;
        } else {
            entries.push(entry(key, raw)?);
        }
    }
    Ok(entries)
}

fn bad(rule: String) -> ErrorKind {
    ErrorKind::BadHeader { rule }
}

/// `"a JSON array"`, `"a JSON string"`, ...
fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "JSON null",
        Value::Bool(_) => "a JSON boolean",
        Value::Number(_) => "a JSON number",
        Value::String(_) => "a JSON string",
        Value::Array(_) => "a JSON array",
        Value::Object(_) => "a JSON object",
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

/// `__metadata__` must be null or map strings to strings (as the `safetensors` crate requires).
fn check_metadata(raw: &str) -> Result<(), ErrorKind> {
    let value: Value = serde_json::from_str(raw).map_err(|e| bad(e.to_string()))?;
    let ok = match &value {
        Value::Null => true,
        Value::Object(m) => m.values().all(Value::is_string),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(bad(format!("`__metadata__` must map strings to strings, got {}", excerpt(raw))))
    }
}

/// One tensor's entry: an object with `dtype`, `shape` and `data_offsets` (other fields are
/// ignored, as the `safetensors` crate ignores them).
fn entry(key: String, raw: &str) -> Result<Entry, ErrorKind> {
    let fields = match object_fields(raw) {
        Some(f) => f,
        None => {
            let value: Value = serde_json::from_str(raw).map_err(|e| bad(e.to_string()))?;
            return Err(bad(format!(
                "tensor `{key}`: its entry is {}, not an object with dtype, shape and data_offsets",
                kind_of(&value)
            )));
        }
    };
    let (mut dtype, mut shape, mut offsets) = (None, None, None);
    for (name, raw_field) in fields {
        let slot = match name.as_str() {
            "dtype" => &mut dtype,
            "shape" => &mut shape,
            "data_offsets" => &mut offsets,
            _ => continue,
        };
        if slot.replace(raw_field).is_some() {
            return Err(bad(format!("tensor `{key}`: field `{name}` appears twice")));
        }
    }
    let missing = |name: &str| bad(format!("tensor `{key}`: missing field `{name}`"));
    let dtype = dtype.ok_or_else(|| missing("dtype"))?;
    let shape = shape.ok_or_else(|| missing("shape"))?;
    let offsets = offsets.ok_or_else(|| missing("data_offsets"))?;

    let dtype = match serde_json::from_str::<Value>(dtype) {
        Ok(Value::String(name)) => match serde_json::from_str::<::safetensors::Dtype>(dtype) {
            Ok(d) => d,
            Err(_) => return Err(ErrorKind::UnknownDtype { key, dtype: name }),
        },
        _ => {
            return Err(bad(format!(
                "tensor `{key}`: dtype must be a string, got {}",
                excerpt(dtype)
            )));
        }
    };
    let shape = integers(shape).ok_or_else(|| {
        bad(format!(
            "tensor `{key}`: shape must be an array of non-negative integers, got {}",
            excerpt(shape)
        ))
    })?;
    let (start, end) = match integers(offsets).as_deref() {
        Some(&[start, end]) => (start, end),
        _ => {
            return Err(bad(format!(
                "tensor `{key}`: data_offsets must be two non-negative integers, got {}",
                excerpt(offsets)
            )));
        }
    };
    Ok(Entry { key, dtype, shape, start, end })
}

/// A JSON array of integers in `0..2^64` (parsed straight into `u64`s: 8 bytes per element,
/// not a `Value`'s 32).
fn integers(raw: &str) -> Option<Vec<u64>> {
    serde_json::from_str(raw).ok()
}

/// The fields of the JSON object `text`, in the order written, each with its value's raw text.
/// `None` when `text` is not an object. `text` must be valid JSON (checked by `serde_json`
/// before); on anything else this returns `None` rather than a wrong answer.
fn object_fields(text: &str) -> Option<Vec<(String, &str)>> {
    let mut s = Scanner { text, at: 0 };
    s.ws();
    s.eat(b'{')?;
    let mut out = Vec::new();
    s.ws();
    if s.eat(b'}').is_some() {
        return Some(out);
    }
    loop {
        s.ws();
        let key = s.string()?;
        let key: String = serde_json::from_str(key).ok()?;
        s.ws();
        s.eat(b':')?;
        s.ws();
        out.push((key, s.value()?));
        s.ws();
        if s.eat(b',').is_none() {
            s.eat(b'}')?;
            return Some(out);
        }
    }
}

/// A cursor over JSON text. Every step is bounds-checked: on text that is not JSON it returns
/// `None`, never panics.
struct Scanner<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.at += 1)
    }

    /// A string, quotes included, escapes left as written.
    fn string(&mut self) -> Option<&'a str> {
        let start = self.at;
        self.eat(b'"')?;
        loop {
            match self.peek()? {
                b'\\' => self.at += 2,
                b'"' => {
                    self.at += 1;
                    return self.text.get(start..self.at);
                }
                _ => self.at += 1,
            }
        }
    }

    /// Any value, as written: a string, an object or array (brackets matched, strings
    /// skipped), or a number or literal (up to the next delimiter).
    fn value(&mut self) -> Option<&'a str> {
        let start = self.at;
        let mut depth = 0usize;
        while let Some(c) = self.peek() {
            match c {
                b'"' => {
                    self.string()?;
                    if depth == 0 {
                        break;
                    }
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    if depth == 0 {
                        break;
                    }
                    depth -= 1;
                    if depth == 0 {
                        self.at += 1;
                        break;
                    }
                }
                b',' | b' ' | b'\t' | b'\n' | b'\r' if depth == 0 => break,
                _ => {}
            }
            self.at += 1;
        }
        if self.at == start {
            return None;
        }
        self.text.get(start..self.at)
    }
}
