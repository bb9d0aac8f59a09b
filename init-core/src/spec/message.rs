//! A fixed-size text buffer usable in `const` evaluation, for compile-time error messages.

/// Room for one message; longer text is cut.
const CAP: usize = 600;

/// A message under construction: the verdict of a compile-time check (empty when it passed).
#[derive(Clone, Copy, Debug)]
pub struct Msg {
    buf: [u8; CAP],
    len: usize,
}

impl Msg {
    pub(crate) const fn new() -> Self {
        Msg { buf: [0; CAP], len: 0 }
    }

    pub(crate) const fn str(mut self, s: &str) -> Self {
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() && self.len < CAP {
            self.buf[self.len] = bytes[i];
            self.len += 1;
            i += 1;
        }
        self
    }

    pub(crate) const fn num(mut self, mut n: usize) -> Self {
        let mut digits = [0u8; 20];
        let mut k = 0;
        loop {
            digits[k] = b'0' + (n % 10) as u8;
            k += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        while k > 0 && self.len < CAP {
            k -= 1;
            self.buf[self.len] = digits[k];
            self.len += 1;
        }
        self
    }

    /// `[a, b, c]`.
    pub(crate) const fn shape(mut self, shape: &[usize]) -> Self {
        self = self.str("[");
        let mut i = 0;
        while i < shape.len() {
            if i > 0 {
                self = self.str(", ");
            }
            self = self.num(shape[i]);
            i += 1;
        }
        self.str("]")
    }

    /// `a, b, c`: the names of a table's parameters.
    pub(crate) const fn names(mut self, table: &super::ParamTable) -> Self {
        let mut i = 0;
        while let Some(spec) = table.get(i) {
            if i > 0 {
                self = self.str(", ");
            }
            self = self.str(spec.name());
            i += 1;
        }
        self
    }

    /// The error message, or `None` when the check passed. `#[derive(Module)]` panics with
    /// it in a `const` item placed on the user's attribute, which makes it a compile error.
    pub const fn message(&self) -> Option<&str> {
        if self.len == 0 {
            return None;
        }
        let (text, _) = self.buf.split_at(self.len);
        match core::str::from_utf8(text) {
            Ok(s) => Some(s),
            // Only possible if a multi-byte character was cut at the capacity.
            Err(_) => Some("init: compile-time check failed (message too long)"),
        }
    }
}

/// `a == b` for shapes in `const` evaluation.
pub(crate) const fn shapes_eq(a: &[usize], b: &[usize]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// `a == b` for `&str` in `const` evaluation.
pub(crate) const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}
