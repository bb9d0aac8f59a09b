//! [`Tie`]: one parameter under two paths (weight tying, GPT-2's `lm_head.weight` is
//! `transformer.wte.weight`), and the walks that keep its two places one storage.
//!
//! The alias keeps a [`Param`] of its own, so every layer stays a plain owner of its
//! parameters and no two `&mut` ever reach one buffer: the two `Param`s share one
//! reference-counted storage, copied on write. The tree's operations (`init_weights`,
//! `load_state_dict`, `set_parameter`, `apply`, `freeze`, `tie_weights`) end with [`settle`],
//! which makes the alias the target again (one `Arc` clone, no copy). The traversals that
//! list parameters list the tied one once, under its first path, as PyTorch does.

use std::collections::HashMap;

use super::{Module, join, traverse};
use crate::error::{ErrorKind, InitError, Result};
use crate::param::Param;

/// A parameter that is another one: the parameter at `alias` (`"lm_head.weight"`) is the
/// parameter at `target` (`"transformer.wte.weight"`), both relative to the module that
/// declares the tie ([`Module::ties`]; `#[module(tie(weight = transformer.wte.weight))]` on
/// the `lm_head` field).
///
/// ```
/// let tie = init_core::Tie::new("lm_head.weight", "transformer.wte.weight");
/// assert_eq!((tie.alias(), tie.target()), ("lm_head.weight", "transformer.wte.weight"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tie {
    alias: String,
    target: String,
}

impl Tie {
    /// `alias` is `target`.
    pub fn new(alias: impl Into<String>, target: impl Into<String>) -> Self {
        Tie { alias: alias.into(), target: target.into() }
    }

    /// The path that is the other one (`"lm_head.weight"`).
    pub fn alias(&self) -> &str {
        &self.alias
    }

    /// The path the parameter is initialized, listed and saved under
    /// (`"transformer.wte.weight"`).
    pub fn target(&self) -> &str {
        &self.target
    }
}

/// Every tie declared in the tree under `m`, with paths from `m`, outer modules first.
pub(crate) fn all(m: &dyn Module) -> Vec<Tie> {
    let mut out = Vec::new();
    traverse::pre_order(m, "", &mut |path, module| {
        out.extend(
            module
                .ties()
                .into_iter()
                .map(|t| Tie { alias: join(path, &t.alias), target: join(path, &t.target) }),
        );
    });
    out
}

/// Alias path -> target path, for every tie in the tree.
pub(crate) fn aliases(m: &dyn Module) -> HashMap<String, String> {
    all(m).into_iter().map(|t| (t.alias, t.target)).collect()
}

/// Make every alias its target again: the same storage, `requires_grad` and origin. A tie
/// whose target is not a parameter of the tree, or has another shape, is an error naming
/// both paths. `prefer_alias(alias)` says that the alias was written last (in
/// [`apply`](Module::apply)), so the target takes the alias's values instead.
pub(crate) fn settle(m: &mut dyn Module, prefer_alias: &dyn Fn(&str) -> bool) -> Result<()> {
    let ties = all(m);
    if ties.is_empty() {
        return Ok(());
    }
    for tie in &ties {
        let (from, to) = if prefer_alias(&tie.alias) {
            (&tie.alias, &tie.target)
        } else {
            (&tie.target, &tie.alias)
        };
        let source = find(m.as_module(), from).ok_or_else(|| missing(tie, from))?;
        let mut slots = traverse::all_params_mut(m);
        let Some((_, dest)) = slots.iter_mut().find(|(p, _)| p.as_str() == to.as_str()) else {
            return Err(missing(tie, to));
        };
        if dest.shape() != source.shape() {
            let (alias, target) =
                if from == &tie.alias { (&source, &**dest) } else { (&**dest, &source) };
            let rule = format!(
                "{} has shape {:?}, {} has shape {:?}; tied parameters have one shape",
                tie.alias,
                alias.shape(),
                tie.target,
                target.shape(),
            );
            return Err(tied(tie, rule));
        }
        **dest = source;
    }
    Ok(())
}

/// A copy (one `Arc` clone) of the parameter at `path`, aliases included.
fn find(m: &dyn Module, path: &str) -> Option<Param> {
    traverse::all_params(m).into_iter().find(|(p, _)| p == path).map(|(_, p)| p.clone())
}

fn missing(tie: &Tie, path: &str) -> InitError {
    tied(tie, format!("{path} is not a parameter of the model"))
}

fn tied(tie: &Tie, rule: String) -> InitError {
    InitError::new(tie.alias.clone(), ErrorKind::Tied { target: tie.target.clone(), rule })
}
