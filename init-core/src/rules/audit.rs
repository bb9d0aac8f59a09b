//! The check that every runtime rule sets at least one parameter, made before anything is
//! written: a typo in a glob or a kind must not pass silently.

use super::Rule;
use super::declared::Declared;
use super::frame::Frame;
use crate::error::{ErrorKind, InitError, Result};
use crate::module::traverse::parts;
use crate::module::{Module, join};

/// What one rule of the checked set does to the tree.
#[derive(Clone)]
enum Use {
    /// It matches no parameter.
    Unmatched,
    /// It matches parameters, but each is set by another rule; the first of them, and the
    /// rule that takes it.
    Shadowed { path: String, by: String },
    /// It sets at least one parameter.
    Used,
}

/// `Ok` when every rule of `rules` that is not optional would set a parameter of `model`,
/// with the module-declared rules `declared` in scope.
pub(super) fn check(model: &dyn Module, rules: &[Rule], declared: &Declared) -> Result<()> {
    if rules.iter().all(Rule::is_optional) {
        return Ok(());
    }
    let mut uses = vec![Use::Unmatched; rules.len()];
    let root = Frame { base: String::new(), rules, parent: None };
    survey(model, "", &root, &root, declared, &mut uses);
    let lines: Vec<String> = rules
        .iter()
        .zip(uses)
        .filter(|(rule, _)| !rule.is_optional())
        .filter_map(|(rule, u)| match u {
            Use::Used => None,
            Use::Unmatched => Some(format!("{rule}: matches no parameter")),
            Use::Shadowed { path, by } => Some(format!(
                "{rule}: every parameter it matches is set by another rule ({path} by {by})"
            )),
        })
        .collect();
    if lines.is_empty() {
        Ok(())
    } else {
        Err(InitError::new("", ErrorKind::UnusedRules { lines }))
    }
}

/// Record, for each parameter under `m`, which rule of the root set fills it and which
/// others match it.
fn survey(
    m: &dyn Module,
    prefix: &str,
    outer: &Frame<'_>,
    root: &Frame<'_>,
    declared: &Declared,
    uses: &mut [Use],
) {
    let here = Frame { base: prefix.to_string(), rules: declared.at(prefix), parent: Some(outer) };
    let kind = m.kind();
    let p = parts(m);
    for (name, _) in &p.params {
        let chosen = here.lookup(prefix, kind, name);
        for (rule, u) in root.rules.iter().zip(uses.iter_mut()) {
            match chosen {
                Some(c) if std::ptr::eq(c, rule) => *u = Use::Used,
                Some(c)
                    if matches!(u, Use::Unmatched) && root.matches(rule, prefix, kind, name) =>
                {
                    *u = Use::Shadowed { path: join(prefix, name), by: c.to_string() };
                }
                _ => {}
            }
        }
    }
    for (name, child) in p.children {
        survey(child, &join(prefix, &name), &here, root, declared, uses);
    }
}
