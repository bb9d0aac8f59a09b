//! Where the state dict is in what the pickle returns: the top-level dict itself when every
//! value is a tensor (`torch.save(model.state_dict(), path)`), else the entry the caller names
//! (`{"state_dict": ..., "epoch": 3}`), else the one entry that is a dict of tensors.

use std::collections::{HashMap, HashSet};

use super::pickle::Unpickled;
use super::pickle::value::{Id, TensorRef, Value};
use crate::error::FileError;

/// How many keys an error lists before it abbreviates.
const LIST_AT_MOST: usize = 12;

fn none(rule: String) -> FileError {
    FileError::NoStateDict { rule }
}

/// The state dict's items, `(key, tensor)` in the file's order.
pub(super) fn state_dict<'u>(
    u: &'u Unpickled,
    entry: Option<&str>,
) -> Result<Vec<(&'u str, &'u TensorRef)>, FileError> {
    let Value::Dict(top) = u.get(u.root) else {
        return Err(none(format!("the file holds {}, not a dict", u.get(u.root).kind())));
    };
    let items = string_keys(u, top, "the top-level dict")?;
    if let Some(name) = entry {
        let Some(&(_, v)) = items.iter().find(|(k, _)| *k == name) else {
            return Err(none(format!(
                "the top-level dict has no key `{name}`; its keys: {}",
                list(items.iter().map(|(k, _)| *k))
            )));
        };
        let Value::Dict(inner) = u.get(v) else {
            return Err(none(format!("`{name}` holds {}, not a dict of tensors", u.get(v).kind())));
        };
        return tensors(u, &string_keys(u, inner, &format!("`{name}`"))?, &format!("`{name}`"));
    }
    if items.iter().all(|&(_, v)| matches!(u.get(v), Value::Tensor(_))) {
        return tensors(u, &items, "the top-level dict");
    }
    // Each distinct dict is looked at once, however many keys refer to it (a memo can make a
    // million keys of one large dict).
    let mut verdicts: HashMap<Id, bool> = HashMap::new();
    let mut is_state_dict = |v: Id| {
        *verdicts.entry(v).or_insert_with(|| match u.get(v) {
            Value::Dict(d) => {
                !d.is_empty()
                    && d.iter().all(|&(k, v)| {
                        matches!((u.get(k), u.get(v)), (Value::Str(_), Value::Tensor(_)))
                    })
            }
            _ => false,
        })
    };
    let candidates: Vec<&str> =
        items.iter().filter(|&&(_, v)| is_state_dict(v)).map(|(k, _)| *k).collect();
    match candidates[..] {
        [one] => state_dict(u, Some(one)),
        [] => {
            let (k, v) = items
                .iter()
                .find(|&&(_, v)| !matches!(u.get(v), Value::Tensor(_)))
                .copied()
                .unwrap_or(("", 0));
            Err(none(format!(
                "the top-level dict is not a state dict (`{k}` holds {}) and none of its values is a dict of tensors; its keys: {}",
                u.get(v).kind(),
                list(items.iter().map(|(k, _)| *k))
            )))
        }
        _ => Err(none(format!(
            "several entries of the top-level dict are dicts of tensors ({}); name the one to load",
            list(candidates.iter().copied())
        ))),
    }
}

/// The items of a dict whose keys must all be strings, none twice.
fn string_keys<'u>(
    u: &'u Unpickled,
    items: &[(Id, Id)],
    what: &str,
) -> Result<Vec<(&'u str, Id)>, FileError> {
    let mut seen = HashSet::with_capacity(items.len());
    let mut out = Vec::with_capacity(items.len());
    for &(k, v) in items {
        let Value::Str(key) = u.get(k) else {
            return Err(none(format!(
                "{what} has a key that is {}, not a string",
                u.get(k).kind()
            )));
        };
        if !seen.insert(&**key) {
            return Err(FileError::BadTensor {
                key: key.to_string(),
                rule: format!("appears more than once in {what}"),
            });
        }
        out.push((&**key, v));
    }
    Ok(out)
}

/// The items as tensors; each value must be one.
fn tensors<'u>(
    u: &'u Unpickled,
    items: &[(&'u str, Id)],
    what: &str,
) -> Result<Vec<(&'u str, &'u TensorRef)>, FileError> {
    items
        .iter()
        .map(|&(k, v)| match u.get(v) {
            Value::Tensor(t) => Ok((k, &**t)),
            other => Err(FileError::BadTensor {
                key: k.to_string(),
                rule: format!("in {what} holds {}, not a tensor", other.kind()),
            }),
        })
        .collect()
}

/// Keys, quoted, the first [`LIST_AT_MOST`] of them.
fn list<'a>(keys: impl ExactSizeIterator<Item = &'a str>) -> String {
    let n = keys.len();
    let mut shown: Vec<String> = keys.take(LIST_AT_MOST).map(|k| format!("`{k}`")).collect();
    if n > LIST_AT_MOST {
        shown.push(format!("and {} more", n - LIST_AT_MOST));
    }
    if shown.is_empty() { "none".into() } else { shown.join(", ") }
}
