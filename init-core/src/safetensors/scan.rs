//! The raw text of one value in a header already known to be JSON, to quote it in a message.
//!
//! Only error paths use this: the header is parsed once ([`super::walk`]); when a rule is
//! broken, the message quotes the value as written (`got [2, -1]`), which this scanner finds
//! again in the text. Every step is bounds-checked: on text that is not JSON it returns `None`,
//! never panics.

/// The raw text of the value of field number `n` (from 0, in the order written) of the JSON
/// object `text`.
pub(super) fn nth_value(text: &str, n: usize) -> Option<&str> {
    let mut s = Scanner { text, at: 0 };
    s.open()?;
    for _ in 0..n {
        s.field()?;
        s.ws();
        s.eat(b',')?;
    }
    s.field().map(|(_, value)| value)
}

/// The raw text of the first field named `name` (after unescaping) in the JSON object `text`.
pub(super) fn field_value<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let mut s = Scanner { text, at: 0 };
    s.open()?;
    loop {
        let (key, value) = s.field()?;
        if serde_json::from_str::<String>(key).ok()? == name {
            return Some(value);
        }
        s.ws();
        s.eat(b',')?;
    }
}

/// A cursor over JSON text.
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

    /// The `{` that opens an object.
    fn open(&mut self) -> Option<()> {
        self.ws();
        self.eat(b'{')
    }

    /// One `"key": value` of an object: the key (quotes and escapes as written) and the value.
    fn field(&mut self) -> Option<(&'a str, &'a str)> {
        self.ws();
        let key = self.string()?;
        self.ws();
        self.eat(b':')?;
        self.ws();
        Some((key, self.value()?))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_values_by_position_and_by_name() {
        let text = r#" { "a" : [1, [2]], "b\"c":"x,}", "\u0064":{"e": 5} } "#;
        assert_eq!(nth_value(text, 0), Some("[1, [2]]"));
        assert_eq!(nth_value(text, 1), Some(r#""x,}""#));
        assert_eq!(nth_value(text, 2), Some(r#"{"e": 5}"#));
        assert_eq!(nth_value(text, 3), None);
        assert_eq!(field_value(text, "d"), Some(r#"{"e": 5}"#));
        assert_eq!(field_value(text, "b\"c"), Some(r#""x,}""#));
        assert_eq!(field_value(text, "z"), None);
        assert_eq!(nth_value("[1]", 0), None);
    }
}
