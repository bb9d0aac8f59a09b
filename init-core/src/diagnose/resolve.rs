//! Names for recorded forward calls: each call's (kind, address) matched against the module
//! tree's (path, kind, address) in visit order.
//!
//! A layer that owns memory has an address no other layer of the tree shares, so its call
//! resolves alone. Zero-sized layers (`ReLU`, `Tanh`, ... are unit structs) can share an
//! address with each other; among the candidates of the call's kind at its address, the
//! first one after the previously resolved layer in visit order is chosen, else the first
//! one (a forward that calls its layers in declaration order, which `Sequential`,
//! `#[module(sequential)]` and most hand-written forwards do, names them right). A call
//! whose layer is not in the tree (a temporary `ReLU.forward(x)` in a hand-written forward)
//! cannot be resolved: it is named `"<Kind> #<k> (call <n>)"`, the k-th call of that kind and
//! the n-th call of the pass.

use crate::module::trace::{self, Call};
use crate::module::{LayerKind, Module};

/// One module of the tree, as the resolver sees it.
struct Node<'a> {
    path: String,
    kind: LayerKind,
    addr: usize,
    module: &'a dyn Module,
}

/// The name of each call and the module it resolved to, if any.
pub(crate) struct Resolved<'a> {
    pub(crate) name: String,
    pub(crate) module: Option<(&'a dyn Module, String)>,
}

/// Resolve every call, in order.
pub(crate) fn resolve<'a>(root: &'a dyn Module, calls: &[Call]) -> Vec<Resolved<'a>> {
    let nodes: Vec<Node<'a>> = root
        .named_modules()
        .into_iter()
        .map(|(path, m)| Node { path, kind: m.kind(), addr: trace::address(m), module: m })
        .collect();
    let mut cursor: Option<usize> = None;
    let mut per_kind: Vec<(LayerKind, usize)> = Vec::new();
    let mut out = Vec::with_capacity(calls.len());
    for (n, call) in calls.iter().enumerate() {
        let k = match per_kind.iter_mut().find(|(kind, _)| *kind == call.kind) {
            Some((_, count)) => {
                *count += 1;
                *count
            }
            None => {
                per_kind.push((call.kind, 1));
                1
            }
        };
        let candidates: Vec<usize> = (0..nodes.len())
            .filter(|&i| nodes[i].kind == call.kind && nodes[i].addr == call.addr)
            .collect();
        let after = candidates.iter().copied().find(|&i| cursor.is_none_or(|c| i > c));
        match after.or(candidates.first().copied()) {
            Some(i) => {
                cursor = Some(i);
                let node = &nodes[i];
                let name =
                    if node.path.is_empty() { "(root)".to_string() } else { node.path.clone() };
                out.push(Resolved { name, module: Some((node.module, node.path.clone())) });
            }
            None => out.push(Resolved {
                name: format!("{} #{k} (call {})", call.kind, n + 1),
                module: None,
            }),
        }
    }
    out
}
