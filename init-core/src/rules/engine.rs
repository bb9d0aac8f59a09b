//! The one walk behind [`ModuleExt::init_weights`](crate::ModuleExt::init_weights) and [`Rules::apply`](super::Rules::apply).

use std::sync::Arc;

use super::declared::Declared;
use super::frame::Frame;
use super::{Rule, audit};
use crate::error::Result;
use crate::module::traverse::{parts, parts_mut};
use crate::module::{LayerKind, Module, join, tie};
use crate::rng::Generator;

/// What happens to a parameter that no rule matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fallback {
    /// Its layer's PyTorch default.
    Default,
    /// Nothing: it keeps its values.
    Keep,
}

/// Initialize the tree under `model` with `rules` plus, when `fallback` is
/// [`Fallback::Default`], the rules its modules declare (nearer, so they win) and the layers'
/// defaults. Refuses, before writing anything, a rule of `rules` that would set nothing.
/// Returns the paths written.
pub(crate) fn run(
    model: &mut dyn Module,
    rules: &[Rule],
    fallback: Fallback,
    rng: &mut dyn Generator,
) -> Result<Vec<String>> {
    if fallback == Fallback::Default {
        super::check_declared(model.as_module())?;
    }
    let declared = Declared::of(model.as_module(), fallback);
    audit::check(model.as_module(), rules, &declared)?;
    let root = Frame { base: String::new(), rules, parent: None };
    let mut written = Vec::new();
    let aliases: Vec<String> = tie::aliases(model.as_module()).into_keys().collect();
    let walk_ctx = Walk { fallback, aliases: &aliases, declared: &declared };
    walk(model, "", &root, &walk_ctx, rng, &mut written)?;
    tie::settle(model, &|_| false)?;
    Ok(written)
}

/// What every step of the walk needs: the fallback, the aliases of tied parameters (never
/// filled: each takes its target's storage when the walk ends), and the declared rules.
struct Walk<'a> {
    fallback: Fallback,
    aliases: &'a [String],
    declared: &'a Declared,
}

impl Walk<'_> {
    fn is_alias(&self, path: &str) -> bool {
        self.aliases.iter().any(|a| a == path)
    }

    /// Whether an alias lies in the subtree at `prefix` (its `reset_parameters` would fill it).
    fn holds_alias(&self, prefix: &str) -> bool {
        self.aliases.iter().any(|a| {
            prefix.is_empty() || a.strip_prefix(prefix).is_some_and(|r| r.starts_with('.'))
        })
    }
}

fn walk(
    m: &mut dyn Module,
    prefix: &str,
    outer: &Frame<'_>,
    ctx: &Walk<'_>,
    rng: &mut dyn Generator,
    written: &mut Vec<String>,
) -> Result<()> {
    let fallback = ctx.fallback;
    let here =
        Frame { base: prefix.to_string(), rules: ctx.declared.at(prefix), parent: Some(outer) };
    if fallback == Fallback::Default
        && !ctx.holds_alias(prefix)
        && !touched(m, prefix, &here, outer, ctx.declared)
    {
        m.reset_parameters(prefix, rng)?;
        mark_defaults(m, prefix, ctx.declared, written);
        return Ok(());
    }
    let kind = m.kind();
    let names: Vec<String> = parts(m).params.into_iter().map(|(n, _)| n).collect();
    let chosen: Vec<Option<&Rule>> = names
        .iter()
        .map(|n| if ctx.is_alias(&join(prefix, n)) { None } else { here.lookup(prefix, kind, n) })
        .collect();
    if fallback == Fallback::Default {
        let ruled = |n: &str| {
            ctx.is_alias(&join(prefix, n))
                || names.iter().zip(&chosen).any(|(x, c)| x == n && c.is_some())
        };
        m.init_defaults(prefix, &ruled, rng)?;
    }
    let default_origin: Arc<str> = format!("default: {kind}").into();
    for (name, slot) in parts_mut(m).params {
        let (p, path) = (slot.into_param(), join(prefix, &name));
        if ctx.is_alias(&path) {
            continue;
        }
        match names.iter().position(|n| *n == name).and_then(|i| chosen[i]) {
            Some(rule) => {
                rule.init().fill(p, &path, rng)?;
                p.set_origin(rule.to_string());
            }
            None if fallback == Fallback::Default => p.set_origin(default_origin.clone()),
            None => continue,
        }
        written.push(path);
    }
    for (name, child) in parts_mut(m).children {
        walk(child, &join(prefix, &name), &here, ctx, rng, written)?;
    }
    Ok(())
}

/// Whether a rule in scope (or declared inside the subtree) fills a parameter of the
/// subtree under `m`, so that its `reset_parameters` cannot be used. Layer-default rules
/// count only when declared above the subtree (`boundary` and its ancestors): the ones the
/// subtree declares itself are part of its own `reset_parameters`.
fn touched(
    m: &dyn Module,
    prefix: &str,
    here: &Frame<'_>,
    boundary: &Frame<'_>,
    declared: &Declared,
) -> bool {
    let kind = m.kind();
    let p = parts(m);
    let own = p.params.iter().any(|(n, _)| counts(here, boundary, prefix, kind, n));
    own || p.children.into_iter().any(|(name, child)| {
        let path = join(prefix, &name);
        let inner = Frame { base: path.clone(), rules: declared.at(&path), parent: Some(here) };
        touched(child, &path, &inner, boundary, declared)
    })
}

/// Whether a rule that [`touched`] counts matches parameter `name` of the module at
/// `module_path`.
fn counts(
    here: &Frame<'_>,
    boundary: &Frame<'_>,
    module_path: &str,
    kind: LayerKind,
    name: &str,
) -> bool {
    let mut above = false;
    for f in here.frames() {
        above |= std::ptr::eq(f, boundary);
        if f.rules
            .iter()
            .any(|r| (!r.is_fallback() || above) && f.matches(r, module_path, kind, name))
        {
            return true;
        }
    }
    false
}

/// Record "default: <kind>" on every parameter of the subtree (after `reset_parameters`),
/// or the layer-default rule the module declares for its own parameter (a derived struct's
/// bare parameter: "zeros by #[param] on ViT.cls_token"), which its `reset_parameters` applied.
fn mark_defaults(m: &mut dyn Module, prefix: &str, declared: &Declared, written: &mut Vec<String>) {
    let origin: Arc<str> = format!("default: {}", m.kind()).into();
    let own_defaults: Vec<&Rule> = declared
        .at(prefix)
        .iter()
        .filter(|r| {
            r.is_fallback() && matches!(r.target(), crate::rules::Target::Module(p) if p.is_empty())
        })
        .collect();
    let p = parts_mut(m);
    for (name, param) in p.params {
        match own_defaults.iter().find(|r| r.param() == Some(name.as_str())) {
            Some(rule) => param.into_param().set_origin(rule.to_string()),
            None => param.into_param().set_origin(origin.clone()),
        }
        written.push(join(prefix, &name));
    }
    for (name, child) in p.children {
        mark_defaults(child, &join(prefix, &name), declared, written);
    }
}
