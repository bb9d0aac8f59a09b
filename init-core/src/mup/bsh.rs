//! mup's base-shape files (`.bsh`, written by `save_base_shapes` / `make_base_shapes`): YAML
//! mapping each parameter to its base dimensions, `null` for a finite one. Only the form
//! mup writes is read (PyYAML's block style, sorted keys); anything else is an error with
//! its line.

use super::mup_error;
use super::shape::BaseShapes;
use crate::error::Result;

/// mup's comment at the top of every file it writes.
const COMMENT: &str = "\
# This is a base shape file encoded in yaml
# - `null` indicates a dimension is \"finite\", i.e. a non-\"width\" dimension
# - a number indicates the base dimension of an \"infinite\" dimension, i.e. some notion of \"width\"
";

impl BaseShapes {
    /// The text of a `.bsh` file as mup's `save_base_shapes` writes it (its comment, keys
    /// sorted, PyYAML's block style), which `mup.load_base_shapes` and
    /// `set_base_shapes(model, "file.bsh")` read. Base shapes whose widths are still to be
    /// decided against a model ([`BaseShapes::of`] without a delta) have no such file: an
    /// error.
    ///
    /// ```
    /// use init_core::{BaseShapes, Linear, Module};
    /// let shapes = BaseShapes::of(&Linear::<16, 32>::zeroed()).with_delta(&Linear::<16, 64>::zeroed())?;
    /// let text = shapes.to_bsh()?;
    /// assert!(text.ends_with("bias:\n- 32\nweight:\n- 32\n- null\n"));
    /// assert_eq!(BaseShapes::from_bsh(&text)?.to_list(), {
    ///     let mut l = shapes.to_list();
    ///     l.sort();
    ///     l
    /// });
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn to_bsh(&self) -> Result<String> {
        if !self.is_decided() {
            let rule = "base shapes made from a base model alone decide their widths against each model; \
                        give a delta model (or save the model's InfShapes::base_shapes())";
            return Err(mup_error("", rule.into()));
        }
        let mut list = self.to_list();
        list.sort();
        let mut out = String::from(COMMENT);
        for (path, dims) in list {
            out.push_str(&key(&path));
            if dims.is_empty() {
                out.push_str(": []\n");
                continue;
            }
            out.push_str(":\n");
            for d in dims {
                match d {
                    Some(b) => out.push_str(&format!("- {b}\n")),
                    None => out.push_str("- null\n"),
                }
            }
        }
        Ok(out)
    }

    /// Base shapes read from the text of a `.bsh` file mup wrote. Errors name the line.
    ///
    /// ```
    /// use init_core::BaseShapes;
    /// let s = BaseShapes::from_bsh("# comment\nfc.weight:\n- 32\n- null\n'odd: key': []\n")?;
    /// assert_eq!(s.to_list(), [
    ///     ("fc.weight".to_string(), vec![Some(32), None]),
    ///     ("odd: key".to_string(), vec![]),
    /// ]);
    /// let err = BaseShapes::from_bsh("fc.weight:\n- wide\n").unwrap_err();
    /// assert_eq!(err.to_string(), "line 2: μP: a .bsh dimension is a number or null, got `wide`");
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn from_bsh(text: &str) -> Result<Self> {
        let mut list: Vec<(String, Vec<Option<usize>>)> = Vec::new();
        let mut open = false;
        for (i, line) in text.lines().enumerate() {
            let at = format!("line {}", i + 1);
            let bad = |rule: String| mup_error(&at, rule);
            let trimmed = line.trim_end();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            if let Some(item) = trimmed.strip_prefix("- ") {
                let Some((_, dims)) = list.last_mut().filter(|_| open) else {
                    return Err(bad("a list item outside a parameter's list".into()));
                };
                let item = item.trim();
                dims.push(match item {
                    "null" | "~" => None,
                    n => Some(n.parse::<usize>().map_err(|_| {
                        bad(format!("a .bsh dimension is a number or null, got `{n}`"))
                    })?),
                });
                continue;
            }
            let (name, rest) = split_key(trimmed).ok_or_else(|| {
                bad(format!("expected `name:` or `- dimension`, got `{trimmed}`"))
            })?;
            open = match rest.trim() {
                "" => true,
                "[]" => false,
                other => {
                    return Err(bad(format!(
                        "expected a block list after `{name}:`, got `{other}`"
                    )));
                }
            };
            list.push((name, Vec::new()));
        }
        BaseShapes::from_list(list)
    }
}

/// A key as PyYAML writes it: plain when that cannot be misread, else single-quoted.
fn key(path: &str) -> String {
    let plain = path.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && path.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        && !matches!(
            path.to_ascii_lowercase().as_str(),
            "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
    if plain { path.to_string() } else { format!("'{}'", path.replace('\'', "''")) }
}

/// `name: rest` of a mapping line: the key (unquoted) and what follows the colon.
fn split_key(line: &str) -> Option<(String, &str)> {
    if let Some(quoted) = line.strip_prefix('\'') {
        let mut name = String::new();
        let mut chars = quoted.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '\'' {
                if chars.peek().is_some_and(|&(_, n)| n == '\'') {
                    chars.next();
                    name.push('\'');
                    continue;
                }
                let rest = quoted.get(i + 1..)?.strip_prefix(':')?;
                return Some((name, rest));
            }
            name.push(c);
        }
        return None;
    }
    if line.starts_with(['"', ' ', '-', '[', '{']) {
        return None;
    }
    let (name, rest) = line.split_once(':')?;
    Some((name.to_string(), rest))
}
