//! The state-dict algorithms behind [`ModuleExt`](crate::ModuleExt):
//! [`state_dict`](crate::ModuleExt::state_dict),
//! [`load_state_dict`](crate::ModuleExt::load_state_dict),
//! [`load_state_dict_partial`](crate::ModuleExt::load_state_dict_partial) and
//! [`set_parameter`](crate::ModuleExt::set_parameter), written once over the module visitor
//! (`module::traverse`), so no method a module overrides changes what they do.
//!
//! Loading runs in two phases. The first walks the model, matches every key against the
//! state dict and checks shapes and element types, writing nothing. Only when it has found
//! nothing that stops the load does the second phase copy values. Shapes of parameters and
//! buffers are fixed for their whole life, so a value that passed the first phase always
//! fits in the second: a load either writes every value it means to, or none.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use ndarray::{ArrayD, ArrayViewD};

use super::{Dtype, LoadReport, Mismatch, StateDict, Tensor};
use crate::error::{ErrorKind, InitError, Result};
use crate::module::{Module, join, tie, traverse};
use crate::param::{BufferData, BufferMut, Param};

/// The [`origin`](crate::Param::origin) of a parameter after a load.
const LOADED: &str = "loaded by load_state_dict";

/// The [`origin`](crate::Param::origin) of a parameter after [`set_parameter`].
const SET: &str = "set by set_parameter";

/// How many paths an unknown-path error lists before it abbreviates.
const LIST_AT_MOST: usize = 12;

/// Every parameter and buffer of the tree under PyTorch's keys and in its order: modules in
/// pre-order, each module's own parameters, then its own buffers. Should a hand-written
/// module report two entries under one key, the first is kept (loading such a model is an
/// error, [`ErrorKind::DuplicateModelKey`]).
/// Both paths of a tied parameter are keys, holding its target's values (PyTorch lists both).
pub(crate) fn state_dict(m: &dyn Module) -> StateDict {
    state_dict_with(m, true)
}

/// The state dict a file holds: a tied parameter under its target's key only, as Hugging
/// Face's `save_pretrained` writes it (safetensors refuses two keys on one storage).
pub(crate) fn state_dict_to_save(m: &dyn Module) -> StateDict {
    state_dict_with(m, false)
}

fn state_dict_with(m: &dyn Module, aliases_too: bool) -> StateDict {
    let aliases = tie::aliases(m);
    let params = traverse::all_params(m);
    let value_at = |key: &str, own: &Param| -> Option<Tensor> {
        let Some(target) = aliases.get(key) else {
            return Some(Tensor::F32(own.view().to_owned()));
        };
        if !aliases_too {
            return None;
        }
        let source = params.iter().find(|(p, _)| p == target).map_or(own, |(_, p)| *p);
        Some(Tensor::F32(source.view().to_owned()))
    };
    let mut sd = StateDict::new();
    traverse::pre_order(m, "", &mut |path, module| {
        let parts = traverse::parts(module);
        for (name, p) in parts.params {
            let key = join(path, &name);
            if let Some(tensor) = value_at(&key, p) {
                // An error here is a duplicate key: the first entry stays.
                let _ = sd.insert(key, tensor);
            }
        }
        for (name, b) in parts.buffers.into_iter().filter(|(_, b)| b.is_persistent()) {
            let t = match b.data() {
                BufferData::F32(a) => Tensor::F32(a.clone()),
                BufferData::I64(a) => Tensor::I64(a.clone()),
            };
            let _ = sd.insert(join(path, &name), t);
        }
    });
    sd
}

/// A parameter or buffer of the model, mutable (values only).
enum Slot<'a> {
    Param(&'a mut Param),
    Buffer(BufferMut<'a>),
}

impl Slot<'_> {
    fn shape(&self) -> &[usize] {
        match self {
            Slot::Param(p) => p.shape(),
            Slot::Buffer(b) => b.shape(),
        }
    }

    fn dtype(&self) -> Dtype {
        match self {
            Slot::Param(_) => Dtype::F32,
            Slot::Buffer(b) => match b.data() {
                BufferData::F32(_) => Dtype::F32,
                BufferData::I64(_) => Dtype::I64,
            },
        }
    }
}

/// Every parameter and buffer of the subtree of `m` with its key, in state-dict order.
fn slots<'a>(m: &'a mut dyn Module, path: &str, out: &mut Vec<(String, Slot<'a>)>) {
    let parts = traverse::parts_mut(m);
    out.extend(
        parts.params.into_iter().map(|(n, p)| (join(path, &n), Slot::Param(p.into_param()))),
    );
    out.extend(
        parts
            .buffers
            .into_iter()
            .filter(|(_, b)| b.is_persistent())
            .map(|(n, b)| (join(path, &n), Slot::Buffer(b))),
    );
    for (name, child) in parts.children {
        slots(child, &join(path, &name), out);
    }
}

/// One value to copy, checked: the slot and the tensor have the same shape and type.
enum Write<'a, 't> {
    Param(&'a mut Param, &'t ArrayD<f32>),
    F32(BufferMut<'a>, &'t ArrayD<f32>),
    I64(BufferMut<'a>, &'t ArrayD<i64>),
}

/// Whether a failed check stops the whole load ([`Mode::Strict`]) or only skips its key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Strict,
    Partial,
}

/// Load `sd` into `m` (see [`ModuleExt::load_state_dict`](crate::ModuleExt::load_state_dict)
/// and [`ModuleExt::load_state_dict_partial`](crate::ModuleExt::load_state_dict_partial)).
pub(crate) fn load(m: &mut dyn Module, sd: &StateDict, mode: Mode) -> Result<LoadReport> {
    let module = m.kind().to_string();
    let aliases = tie::aliases(m.as_module());
    check_ties(sd, &aliases)?;
    let mut model = Vec::new();
    slots(m, "", &mut model);
    // The alias of a tie takes its target's storage after the load: it is loaded through
    // its target's key, and its own key may be absent (a file saved by save_pretrained).
    model.retain(|(key, _)| !aliases.contains_key(key));

    // Phase 1: match and check; nothing is written.
    let mut seen = HashSet::with_capacity(model.len());
    for (key, _) in &model {
        if !seen.insert(key.as_str()) {
            return Err(InitError::new(key.clone(), ErrorKind::DuplicateModelKey));
        }
    }
    let unexpected: Vec<String> = sd
        .keys()
        .filter(|k| !seen.contains(k) && !aliases.contains_key(*k))
        .map(str::to_string)
        .collect();
    drop(seen);
    let given: HashMap<&str, &Tensor> = sd.iter().collect();
    let mut report = LoadReport { unexpected, ..LoadReport::default() };
    let mut writes = Vec::with_capacity(model.len());
    for (key, slot) in model {
        let Some(&tensor) = given.get(key.as_str()) else {
            report.missing.push(key);
            continue;
        };
        if slot.shape() != tensor.shape() || slot.dtype() != tensor.dtype() {
            report.mismatched.push(Mismatch {
                key,
                model_shape: slot.shape().to_vec(),
                model_dtype: slot.dtype(),
                source_shape: tensor.shape().to_vec(),
                source_dtype: tensor.dtype(),
            });
            continue;
        }
        let write = match (slot, tensor) {
            (Slot::Param(p), Tensor::F32(a)) => Write::Param(p, a),
            (Slot::Buffer(b), Tensor::F32(a)) => Write::F32(b, a),
            (Slot::Buffer(b), Tensor::I64(a)) => Write::I64(b, a),
            // A parameter is F32, so an I64 tensor was reported as a mismatch above.
            (Slot::Param(_), Tensor::I64(_)) => continue,
        };
        report.loaded.push(key);
        writes.push(write);
    }
    if mode == Mode::Strict && !report.is_clean() {
        report.loaded.clear();
        return Err(InitError::new(
            "",
            ErrorKind::LoadStateDict { module, report: Box::new(report) },
        ));
    }

    // Phase 2: copy. Every shape and type was checked above and cannot have changed.
    copy(writes)?;
    tie::settle(m, &|_| false)?;
    Ok(report)
}

/// Both keys of a tie in `sd` must hold one value: else an error naming both.
fn check_ties(sd: &StateDict, aliases: &HashMap<String, String>) -> Result<()> {
    for (alias, target) in aliases {
        if let (Some(a), Some(t)) = (sd.get(alias), sd.get(target))
            && a != t
        {
            let rule = format!(
                "the state dict holds different values under {alias} and {target}, which are one tied parameter"
            );
            return Err(InitError::new(
                alias.clone(),
                ErrorKind::Tied { target: target.clone(), rule },
            ));
        }
    }
    Ok(())
}

/// Phase 2 of a load: copy every checked value.
fn copy(writes: Vec<Write<'_, '_>>) -> Result<()> {
    let origin: Arc<str> = Arc::from(LOADED);
    for write in writes {
        match write {
            Write::Param(p, a) => {
                p.copy_from(&a.view())?;
                p.set_origin(Arc::clone(&origin));
            }
            Write::F32(mut b, a) => {
                if let Some(mut v) = b.as_f32_mut()
                    && v.shape() == a.shape()
                {
                    v.assign(a);
                }
            }
            Write::I64(mut b, a) => {
                if let Some(mut v) = b.as_i64_mut()
                    && v.shape() == a.shape()
                {
                    v.assign(a);
                }
            }
        }
    }
    Ok(())
}

/// Copy `value` into the parameter at `path` (see
/// [`ModuleExt::set_parameter`](crate::ModuleExt::set_parameter)).
pub(crate) fn set_parameter(
    m: &mut dyn Module,
    path: &str,
    value: ArrayViewD<'_, f32>,
) -> Result<()> {
    if let Some(mut p) = traverse::param_mut_at(m, path) {
        p.copy_from(&value).map_err(|e| e.at(path))?;
        p.set_origin(Arc::from(SET));
        return tie::settle(m, &|_| false);
    }
    Err(InitError::new(path, ErrorKind::NoSuchParameter { hint: unknown_path_hint(m, path) }))
}

/// What `path` is, if not a parameter, and which parameters are near it.
fn unknown_path_hint(m: &dyn Module, path: &str) -> String {
    if traverse::named_buffers(m).iter().any(|(n, _)| n == path) {
        return "it is a buffer, and set_parameter sets parameters only".to_string();
    }
    let params = traverse::named_params(m);
    let under = |prefix: &str| -> Vec<&str> {
        params
            .iter()
            .map(|(n, _)| n.as_str())
            .filter(|n| {
                prefix.is_empty() || n.strip_prefix(prefix).is_some_and(|r| r.starts_with('.'))
            })
            .collect()
    };
    if !path.is_empty() && traverse::submodule_at(m, path).is_some() {
        let names = under(path);
        return if names.is_empty() {
            "it is a module, and it has no parameters".to_string()
        } else {
            format!("it is a module, whose parameters are {}", list(&names))
        };
    }
    // The deepest module the path runs through.
    let mut owner = path;
    loop {
        match owner.rsplit_once('.') {
            Some((parent, _)) if traverse::submodule_at(m, parent).is_some() => {
                owner = parent;
                break;
            }
            Some((parent, _)) => owner = parent,
            None => {
                owner = "";
                break;
            }
        }
    }
    let names = under(owner);
    match (owner.is_empty(), names.is_empty()) {
        (true, true) => "the model has no parameters".to_string(),
        (true, false) => format!("the model's parameters are {}", list(&names)),
        (false, true) => format!("{owner} has no parameters"),
        (false, false) => format!("the parameters under {owner} are {}", list(&names)),
    }
}

/// `a, b, c`, or the first [`LIST_AT_MOST`] and `... and N more`.
fn list(names: &[&str]) -> String {
    if names.len() <= LIST_AT_MOST {
        names.join(", ")
    } else {
        let shown = names.iter().take(LIST_AT_MOST).copied().collect::<Vec<_>>().join(", ");
        format!("{shown}, ... and {} more", names.len() - LIST_AT_MOST)
    }
}
