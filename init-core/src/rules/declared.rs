//! The rules each module of a tree declares, asked for once per walk: the engine's walk
//! looks at a module's subtree once from every ancestor (to decide whether that ancestor's
//! `reset_parameters` may be used), and a module's `init_rules` can be costly to build
//! (a `ZerO` attribute builds its matrices).

use std::collections::HashMap;

use super::Rule;
use super::engine::Fallback;
use crate::module::traverse::parts;
use crate::module::{Module, join};

/// Declared rules by module path.
pub(super) struct Declared(HashMap<String, Vec<Rule>>);

impl Declared {
    /// The rules every module under `model` declares, by path; none at all when `fallback`
    /// is [`Fallback::Keep`] (declared rules are not in scope then).
    pub(super) fn of(model: &dyn Module, fallback: Fallback) -> Self {
        fn go(m: &dyn Module, prefix: &str, out: &mut HashMap<String, Vec<Rule>>) {
            let rules = m.init_rules();
            if !rules.is_empty() {
                out.insert(prefix.to_string(), rules);
            }
            for (name, child) in parts(m).children {
                go(child, &join(prefix, &name), out);
            }
        }
        let mut map = HashMap::new();
        if fallback == Fallback::Default {
            go(model, "", &mut map);
        }
        Declared(map)
    }

    /// The rules the module at `path` declares.
    pub(super) fn at(&self, path: &str) -> &[Rule] {
        self.0.get(path).map_or(&[], Vec::as_slice)
    }
}
