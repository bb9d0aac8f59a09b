//! The rules in scope at one module of the tree, and which of them fills a parameter.

use super::{Rule, Target, glob};
use crate::module::{LayerKind, join};

/// The rules in scope at one module: its own, then its ancestors' (nearest first).
pub(super) struct Frame<'a> {
    pub(super) base: String,
    pub(super) rules: &'a [Rule],
    pub(super) parent: Option<&'a Frame<'a>>,
}

impl<'a> Frame<'a> {
    pub(super) fn frames(&'a self) -> impl Iterator<Item = &'a Frame<'a>> {
        std::iter::successors(Some(self), |f| f.parent)
    }

    /// The rule for parameter `name` of the module at `module_path`: the best match of
    /// the nearest frame that has one ([`Frame::best`]), ordinary rules before layer-default
    /// ones.
    pub(super) fn lookup(
        &'a self,
        module_path: &str,
        kind: LayerKind,
        name: &str,
    ) -> Option<&'a Rule> {
        let pick =
            |fallback: bool| self.frames().find_map(|f| f.best(fallback, module_path, kind, name));
        pick(false).or_else(|| pick(true))
    }

    /// Every ordinary (not layer-default) rule in scope that matches parameter `name` of the
    /// module at `module_path`, best first: the order [`lookup`](Frame::lookup) ranks them
    /// in, so the first is the one it picks.
    pub(super) fn ranked(
        &'a self,
        module_path: &str,
        kind: LayerKind,
        name: &str,
    ) -> Vec<&'a Rule> {
        let mut out = Vec::new();
        for f in self.frames() {
            let hits = f
                .rules
                .iter()
                .filter(|r| !r.is_fallback() && f.matches(r, module_path, kind, name));
            let (by_path, rest): (Vec<&Rule>, Vec<&Rule>) = hits.partition(|r| r.names_a_module());
            out.extend(by_path);
            out.extend(rest);
        }
        out
    }

    /// The best of this frame's own rules for one parameter: a rule that names the module
    /// by its path (a field's own `#[init]`, [`Rule::module`]) before kind and glob rules;
    /// within each group, the first in declaration order.
    fn best(
        &self,
        fallback: bool,
        module_path: &str,
        kind: LayerKind,
        name: &str,
    ) -> Option<&'a Rule> {
        let mut candidates = self
            .rules
            .iter()
            .filter(|r| r.is_fallback() == fallback && self.matches(r, module_path, kind, name));
        let first = candidates.next()?;
        if first.names_a_module() {
            return Some(first);
        }
        Some(candidates.find(|r| r.names_a_module()).unwrap_or(first))
    }

    pub(super) fn matches(
        &self,
        rule: &Rule,
        module_path: &str,
        kind: LayerKind,
        name: &str,
    ) -> bool {
        if rule.param().is_some_and(|p| p != name) {
            return false;
        }
        match rule.target() {
            Target::Module(rel) => {
                join(&self.base, rel) == module_path || (rel.is_empty() && self.base == module_path)
            }
            Target::Kind(k) => *k == kind,
            Target::Glob(pattern) => {
                let full = join(module_path, name);
                let rel = if self.base.is_empty() {
                    full.as_str()
                } else {
                    full.strip_prefix(&self.base).and_then(|r| r.strip_prefix('.')).unwrap_or("")
                };
                glob::matches(pattern, rel)
            }
        }
    }
}
