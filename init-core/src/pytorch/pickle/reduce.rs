//! The opcodes that would run code in Python's unpickler, restricted to what `torch.save`
//! writes: `REDUCE` (call an allowed global), `BUILD` (set an `OrderedDict`'s attributes) and
//! `BINPERSID` (name a storage).

use super::Machine;
use super::value::{Global, Id, Storage, TensorRef, Value, global_name};
use crate::error::FileError;

/// The most dimensions a tensor may have (PyTorch's own limit for most operations).
const MAX_DIMS: usize = 64;

impl Machine<'_> {
    /// `callable(*args)`, for the three callables allowed.
    pub(super) fn reduce(&mut self) -> Result<(), FileError> {
        let [f, args] = self.pop_n(2)?[..] else { return Err(self.err("REDUCE needs 2 values")) };
        let Value::Global(g) = *self.value(f) else {
            return Err(
                self.err(format!("REDUCE calls {}, not an allowed global", self.value(f).kind()))
            );
        };
        let Value::Tuple(args) = self.value(args) else {
            return Err(self.err(format!(
                "REDUCE with {} as arguments, not a tuple",
                self.value(args).kind()
            )));
        };
        // The arity first: a tuple fetched again and again from the memo is never copied.
        let arity_ok = match g {
            Global::OrderedDict => args.is_empty(),
            Global::RebuildTensorV2 => (6..=7).contains(&args.len()),
            Global::RebuildParameter => args.len() == 3,
            Global::Storage(_) | Global::Dtype(_) => {
                return Err(self.err(format!("{} cannot be called", global_name(g))));
            }
        };
        if !arity_ok {
            let wanted = match g {
                Global::OrderedDict => "none (torch.save calls it with none)",
                Global::RebuildTensorV2 => "6 or 7",
                _ => "3",
            };
            return Err(self.err(format!(
                "{} called with {} arguments, not {wanted}",
                global_name(g),
                args.len()
            )));
        }
        let args = args.clone();
        let made = match g {
            Global::RebuildTensorV2 => Value::Tensor(Box::new(self.rebuild_tensor(&args)?)),
            Global::RebuildParameter => self.rebuild_parameter(&args)?,
            _ => Value::Dict(Vec::new()),
        };
        self.push(made)
    }

    /// `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
    /// backward_hooks[, metadata])`: the view it describes, its types checked.
    fn rebuild_tensor(&self, args: &[Id]) -> Result<TensorRef, FileError> {
        let bad = |what: String| self.err(format!("_rebuild_tensor_v2: {what}"));
        let arg = |i: usize| self.value(args.get(i).copied().unwrap_or(0));
        let Value::Storage(storage) = *arg(0) else {
            return Err(bad(format!("storage is {}, not a storage", arg(0).kind())));
        };
        let offset = self
            .count(arg(1))
            .ok_or_else(|| bad(format!("storage_offset is {}, not an int >= 0", arg(1).kind())))?;
        let shape = self.counts(arg(2)).ok_or_else(|| {
            bad(format!("size is {}, not a tuple of at most {MAX_DIMS} ints >= 0", arg(2).kind()))
        })?;
        let stride = self.counts(arg(3)).ok_or_else(|| {
            bad(format!("stride is {}, not a tuple of at most {MAX_DIMS} ints >= 0", arg(3).kind()))
        })?;
        if shape.len() != stride.len() {
            return Err(bad(format!(
                "size has {} dimensions, stride {}",
                shape.len(),
                stride.len()
            )));
        }
        if !matches!(arg(4), Value::Bool(_)) {
            return Err(bad(format!("requires_grad is {}, not a bool", arg(4).kind())));
        }
        if !matches!(arg(5), Value::Dict(_)) {
            return Err(bad(format!("backward_hooks is {}, not an OrderedDict", arg(5).kind())));
        }
        if args.len() == 7 && !matches!(arg(6), Value::Dict(_) | Value::None) {
            return Err(bad(format!("metadata is {}, not a dict", arg(6).kind())));
        }
        Ok(TensorRef { storage, offset, shape: shape.into(), stride: stride.into() })
    }

    /// `_rebuild_parameter(data, requires_grad, backward_hooks)`: the tensor `data`.
    fn rebuild_parameter(&self, args: &[Id]) -> Result<Value, FileError> {
        let bad = |what: String| self.err(format!("_rebuild_parameter: {what}"));
        let [data, grad, hooks] = args[..] else { return Err(bad("not 3 arguments".into())) };
        let Value::Tensor(t) = self.value(data) else {
            return Err(bad(format!("data is {}, not a tensor", self.value(data).kind())));
        };
        if !matches!(self.value(grad), Value::Bool(_))
            || !matches!(self.value(hooks), Value::Dict(_))
        {
            return Err(bad(
                "requires_grad must be a bool and backward_hooks an OrderedDict".into()
            ));
        }
        Ok(Value::Tensor(t.clone()))
    }

    /// An int >= 0.
    fn count(&self, v: &Value) -> Option<u64> {
        match *v {
            Value::Int(i) => u64::try_from(i).ok(),
            _ => None,
        }
    }

    /// A tuple of at most [`MAX_DIMS`] ints >= 0.
    fn counts(&self, v: &Value) -> Option<Vec<u64>> {
        let Value::Tuple(items) = v else { return None };
        if items.len() > MAX_DIMS {
            return None;
        }
        items.iter().map(|&i| self.count(self.value(i))).collect()
    }

    /// `BUILD`: only an `OrderedDict`'s attribute dict (`_metadata`), which is dropped.
    pub(super) fn build(&mut self) -> Result<(), FileError> {
        let [state] = self.pop_n(1)?[..] else { return Err(self.err("BUILD needs 2 values")) };
        let inst = self.top()?;
        match (self.value(inst), self.value(state)) {
            (Value::Dict(_), Value::Dict(_) | Value::None) => Ok(()),
            (i, s) => Err(self.err(format!(
                "BUILD sets the state of {} from {}; only an OrderedDict's attributes are allowed",
                i.kind(),
                s.kind()
            ))),
        }
    }

    /// `BINPERSID`: `('storage', torch.<X>Storage, key, location, numel)` becomes the storage.
    pub(super) fn persistent_id(&mut self) -> Result<(), FileError> {
        let [pid] = self.pop_n(1)?[..] else { return Err(self.err("BINPERSID needs a value")) };
        let shape = "a persistent id must be ('storage', torch.<X>Storage, key, location, numel)";
        let Value::Tuple(items) = self.value(pid) else {
            return Err(self.err(format!("{shape}, got {}", self.value(pid).kind())));
        };
        if items.len() != 5 {
            return Err(self.err(format!("{shape}, got a tuple of {}", items.len())));
        }
        let fields: Vec<&Value> = items.iter().map(|&i| self.value(i)).collect();
        let (dtype, key, numel) = match fields[..] {
            [
                Value::Str(tag),
                Value::Global(Global::Storage(d)),
                Value::Str(key),
                Value::Str(_),
                Value::Int(n),
            ] if &**tag == "storage" && *n >= 0 => (*d, key.clone(), *n as u64),
            _ => return Err(self.err(format!("{shape}, got a tuple of {}", fields.len()))),
        };
        let index = match self.storage_keys.get(&key) {
            Some(&i) => {
                let s = self.storages.get(i as usize);
                if s.is_some_and(|s| s.dtype != dtype || s.numel != numel) {
                    return Err(self.err(format!(
                        "storage `{key}` is named twice with different types or sizes"
                    )));
                }
                i
            }
            None => {
                let i = u32::try_from(self.storages.len())
                    .map_err(|_| self.err("more than 2^32 storages"))?;
                self.storages.push(Storage { dtype, key: key.clone(), numel });
                self.storage_keys.insert(key, i);
                i
            }
        };
        self.push(Value::Storage(index))
    }
}
