//! A restricted unpickler for the `data.pkl` of `torch.save`: it builds values and never
//! imports or calls anything.
//!
//! It runs the opcodes of protocol 2 that `torch.save` writes, a subset of those
//! `torch.load(weights_only=True)` runs (which, like this one, refuses the `FRAME` of
//! `pickle_protocol=4`); every other opcode is an error naming it. Globals
//! are looked up in an allow-list ([`globals`]): `collections.OrderedDict`, the two tensor
//! rebuild functions, storage types and dtypes; a `REDUCE` may only call the first three, each
//! with the arguments `torch.save` gives it, and `BUILD` may only set an `OrderedDict`'s
//! attributes (which are dropped: `_metadata`). Persistent ids name storages.
//!
//! Limits, so that no pickle costs more than its size: values live in one arena (a memo
//! entry fetched again is an index copied, never a deep copy), no opcode creates more than
//! one value, strings are no longer than the bytes left, nothing recurses (no walk over the
//! values, no recursive drop), and at most [`MAX_DEPTH`] MARKs may be open at once.

mod globals;
mod ops;
mod reduce;
pub(super) mod value;

#[cfg(test)]
mod tests;

use std::collections::HashMap;

use value::{Id, Storage, Value};

use crate::error::FileError;

/// The most MARKs open at once (`torch.save` nests 3).
pub(super) const MAX_DEPTH: usize = 1000;

/// What a pickle holds: its values, the one the pickle returns, and the storages its
/// persistent ids name, in the order first named.
pub(in crate::pytorch) struct Unpickled {
    pub values: Vec<Value>,
    pub root: Id,
    pub storages: Vec<Storage>,
}

impl Unpickled {
    /// The value at `id` (every id the machine hands out is in the arena).
    pub fn get(&self, id: Id) -> &Value {
        self.values.get(id as usize).unwrap_or(&Value::None)
    }
}

/// Run the pickle `data`.
pub(in crate::pytorch) fn unpickle(data: &[u8]) -> Result<Unpickled, FileError> {
    let mut m = Machine {
        data,
        pos: 0,
        op_at: 0,
        values: Vec::new(),
        stack: Vec::new(),
        marks: Vec::new(),
        memo: HashMap::new(),
        storages: Vec::new(),
        storage_keys: HashMap::new(),
    };
    let root = m.run()?;
    Ok(Unpickled { values: m.values, root, storages: m.storages })
}

struct Machine<'a> {
    data: &'a [u8],
    pos: usize,
    /// Where the opcode being run starts (for errors).
    op_at: usize,
    values: Vec<Value>,
    stack: Vec<Id>,
    /// The stack's length at each open MARK.
    marks: Vec<usize>,
    memo: HashMap<u32, Id>,
    storages: Vec<Storage>,
    storage_keys: HashMap<Box<str>, u32>,
}

impl<'a> Machine<'a> {
    fn err(&self, rule: impl Into<String>) -> FileError {
        FileError::Pickle { at: self.op_at as u64, rule: rule.into() }
    }

    fn run(&mut self) -> Result<Id, FileError> {
        loop {
            self.op_at = self.pos;
            let Some(&op) = self.data.get(self.pos) else {
                return Err(self.err("the pickle ends without STOP"));
            };
            self.pos += 1;
            if op == b'.' {
                return self.stop();
            }
            self.step(op)?;
        }
    }

    fn stop(&mut self) -> Result<Id, FileError> {
        if !self.marks.is_empty() {
            return Err(self.err("STOP with a MARK still open"));
        }
        let [root] = self.stack[..] else {
            return Err(
                self.err(format!("STOP with {} values on the stack, not 1", self.stack.len()))
            );
        };
        if self.pos != self.data.len() {
            return Err(self.err(format!("{} bytes after STOP", self.data.len() - self.pos)));
        }
        Ok(root)
    }

    fn step(&mut self, op: u8) -> Result<(), FileError> {
        match op {
            0x80 => {
                let v = self.take(1)?[0];
                if !(2..=5).contains(&v) {
                    return Err(self.err(format!(
                        "pickle protocol {v}; torch.save writes protocol 2 (its default pickle_protocol), and 2 to 5 are read"
                    )));
                }
            }
            b'c' => {
                let module = self.line()?;
                let name = self.line()?;
                let g =
                    globals::lookup(module, name).ok_or_else(|| FileError::ForbiddenGlobal {
                        at: self.op_at as u64,
                        global: format!("{module}.{name}"),
                    })?;
                self.push(Value::Global(g))?;
            }
            b'(' => {
                if self.marks.len() >= MAX_DEPTH {
                    return Err(self.err(format!(
                        "more than {MAX_DEPTH} MARKs open at once (nesting too deep)"
                    )));
                }
                self.marks.push(self.stack.len());
            }
            b'N' => self.push(Value::None)?,
            0x88 => self.push(Value::Bool(true))?,
            0x89 => self.push(Value::Bool(false))?,
            b'J' => {
                let b = self.take(4)?;
                self.push(Value::Int(i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))))?;
            }
            b'K' => {
                let b = self.take(1)?[0];
                self.push(Value::Int(i64::from(b)))?;
            }
            b'M' => {
                let b = self.take(2)?;
                self.push(Value::Int(i64::from(u16::from_le_bytes([b[0], b[1]]))))?;
            }
            0x8a => {
                let n = usize::from(self.take(1)?[0]);
                if n > 8 {
                    return Err(self.err(format!(
                        "LONG1 of {n} bytes: integers wider than 64 bits are not read"
                    )));
                }
                let b = self.take(n)?;
                let fill = if b.last().is_some_and(|&x| x & 0x80 != 0) { 0xff } else { 0 };
                let mut le = [fill; 8];
                le[..n].copy_from_slice(b);
                self.push(Value::Int(i64::from_le_bytes(le)))?;
            }
            b'G' => {
                let b = self.take(8)?;
                let mut be = [0; 8];
                be.copy_from_slice(b);
                self.push(Value::Float(f64::from_be_bytes(be)))?;
            }
            b'X' => {
                let b = self.take(4)?;
                let n = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
                let s = self.text(n)?;
                self.push(Value::Str(s))?;
            }
            b'U' => {
                let n = usize::from(self.take(1)?[0]);
                let s = self.text(n)?;
                self.push(Value::Str(s))?;
            }
            b')' => self.push(Value::Tuple(Box::new([])))?,
            b']' => self.push(Value::List(Vec::new()))?,
            b'}' => self.push(Value::Dict(Vec::new()))?,
            b't' => {
                let items = self.pop_mark()?;
                self.push(Value::Tuple(items.into()))?;
            }
            0x85..=0x87 => {
                let n = usize::from(op - 0x84);
                let items = self.pop_n(n)?;
                self.push(Value::Tuple(items.into()))?;
            }
            b'a' => {
                let v = self.pop_n(1)?;
                self.extend_list(v)?;
            }
            b'e' => {
                let items = self.pop_mark()?;
                self.extend_list(items)?;
            }
            b's' => {
                let kv = self.pop_n(2)?;
                self.extend_dict(kv)?;
            }
            b'u' => {
                let items = self.pop_mark()?;
                if items.len() % 2 != 0 {
                    return Err(self.err(format!(
                        "SETITEMS with {} values, not key-value pairs",
                        items.len()
                    )));
                }
                self.extend_dict(items)?;
            }
            b'h' => {
                let k = u32::from(self.take(1)?[0]);
                self.get(k)?;
            }
            b'j' => {
                let b = self.take(4)?;
                self.get(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))?;
            }
            b'q' => {
                let k = u32::from(self.take(1)?[0]);
                self.put(k)?;
            }
            b'r' => {
                let b = self.take(4)?;
                self.put(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))?;
            }
            b'R' => self.reduce()?,
            b'b' => self.build()?,
            b'Q' => self.persistent_id()?,
            other => {
                return Err(self.err(match ops::name(other) {
                    Some(name) => format!("opcode {name} is not allowed"),
                    None => format!("byte 0x{other:02x} is not a pickle opcode"),
                }));
            }
        }
        Ok(())
    }

    /// The next `n` bytes of the pickle.
    fn take(&mut self, n: usize) -> Result<&'a [u8], FileError> {
        let data = self.data;
        let Some(b) = self.pos.checked_add(n).and_then(|end| data.get(self.pos..end)) else {
            let left = self.data.len() - self.pos;
            return Err(self.err(format!("needs {n} more bytes, the pickle has {left}")));
        };
        self.pos += n;
        Ok(b)
    }

    /// `n` bytes of UTF-8 text.
    fn text(&mut self, n: usize) -> Result<Box<str>, FileError> {
        let b = self.take(n)?;
        match std::str::from_utf8(b) {
            Ok(s) => Ok(s.into()),
            Err(_) => Err(self.err("a string that is not UTF-8")),
        }
    }

    /// A line of a GLOBAL (up to `\n`).
    fn line(&mut self) -> Result<&'a str, FileError> {
        let data = self.data;
        let rest = data.get(self.pos..).unwrap_or_default();
        let Some(n) = rest.iter().take(1024).position(|&b| b == b'\n') else {
            return Err(self.err("GLOBAL without a newline in its first 1024 bytes"));
        };
        self.pos += n + 1;
        std::str::from_utf8(&rest[..n]).map_err(|_| FileError::Pickle {
            at: self.op_at as u64,
            rule: "GLOBAL with a name that is not UTF-8".into(),
        })
    }

    fn push(&mut self, v: Value) -> Result<(), FileError> {
        let id = self.add(v)?;
        self.stack.push(id);
        Ok(())
    }

    /// A new value in the arena.
    fn add(&mut self, v: Value) -> Result<Id, FileError> {
        let id = Id::try_from(self.values.len()).map_err(|_| self.err("more than 2^32 values"))?;
        self.values.push(v);
        Ok(id)
    }

    /// The values above the last MARK, which is closed.
    fn pop_mark(&mut self) -> Result<Vec<Id>, FileError> {
        let Some(at) = self.marks.pop() else {
            return Err(self.err("needs a MARK, none is open"));
        };
        Ok(self.stack.split_off(at))
    }

    /// The top `n` values (not below the last MARK).
    fn pop_n(&mut self, n: usize) -> Result<Vec<Id>, FileError> {
        let floor = self.marks.last().copied().unwrap_or(0);
        let have = self.stack.len() - floor;
        if have < n {
            return Err(self.err(format!("needs {n} values on the stack, it holds {have}")));
        }
        Ok(self.stack.split_off(self.stack.len() - n))
    }

    /// The value on top of the stack (not below the last MARK).
    fn top(&self) -> Result<Id, FileError> {
        let floor = self.marks.last().copied().unwrap_or(0);
        match self.stack.last() {
            Some(&id) if self.stack.len() > floor => Ok(id),
            _ => Err(self.err("needs a value on the stack, it holds none")),
        }
    }

    fn get(&mut self, k: u32) -> Result<(), FileError> {
        let Some(&id) = self.memo.get(&k) else {
            return Err(self.err(format!("memo key {k} was never set")));
        };
        self.stack.push(id);
        Ok(())
    }

    fn put(&mut self, k: u32) -> Result<(), FileError> {
        let id = self.top()?;
        self.memo.insert(k, id);
        Ok(())
    }

    fn extend_list(&mut self, items: Vec<Id>) -> Result<(), FileError> {
        let id = self.top()?;
        match self.values.get_mut(id as usize) {
            Some(Value::List(l)) => {
                l.extend(items);
                Ok(())
            }
            other => {
                let kind = other.map_or_else(String::new, |v| v.kind());
                Err(self.err(format!("APPEND to {kind}, not a list")))
            }
        }
    }

    fn extend_dict(&mut self, items: Vec<Id>) -> Result<(), FileError> {
        let id = self.top()?;
        match self.values.get_mut(id as usize) {
            Some(Value::Dict(d)) => {
                d.extend(items.chunks_exact(2).map(|kv| (kv[0], kv[1])));
                Ok(())
            }
            other => {
                let kind = other.map_or_else(String::new, |v| v.kind());
                Err(self.err(format!("SETITEM on {kind}, not a dict")))
            }
        }
    }

    fn value(&self, id: Id) -> &Value {
        self.values.get(id as usize).unwrap_or(&Value::None)
    }
}
