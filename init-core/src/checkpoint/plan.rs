//! [`Plan`]: the ordered entries of a state dict, each with its shape and how its values
//! are made, without any of the values.

use std::collections::HashMap;

use super::entry::{Entry, Source};
use crate::error::{ErrorKind, InitError, Result};
use crate::schemes::Init;
use crate::state::Tensor;

/// What a checkpoint holds, in state-dict order, before any value exists: each key's shape
/// and how its values are made ([`Source`]). A plan of a 7B-parameter model is a few
/// kilobytes; the checkpoint writer computes the values chunk by chunk from it.
///
/// Build one entry by entry ([`push`](Plan::push), when sizes come from a configuration at
/// run time), or take a derived model's whole ([`Plan::of`], [`Plan::from_module`]): its
/// values are then, bit for bit, those `M::new(&mut Seed::new(s))` gives.
///
/// ```
/// use init_core::{Init, Plan};
/// let mut plan = Plan::new();
/// plan.push("embed_tokens.weight", &[32000, 64], Init::Normal { mean: 0.0, std: 0.02 })?
///     .zero_row("embed_tokens.weight", 0)?; // a padding row
/// plan.push("norm.weight", &[64], Init::Ones)?;
/// plan.tie("lm_head.weight", "embed_tokens.weight")?;
/// assert_eq!(plan.len(), 3);
/// let err = plan.push("norm.weight", &[64], Init::Ones).unwrap_err();
/// assert_eq!(err.to_string(), "norm.weight: the state dict already holds this key");
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    entries: Vec<Entry>,
    index: HashMap<String, usize>,
}

impl Plan {
    /// An empty plan.
    pub fn new() -> Self {
        Plan::default()
    }

    /// Append `key`, of `shape`, filled by `init` with the stream of `key` (as
    /// [`Init::apply`] fills a parameter at that path). Errors, naming the key: an empty or
    /// duplicate key, a shape whose byte size overflows, the scheme's argument or shape rules
    /// (as [`Init::apply`] checks them).
    pub fn push(
        &mut self,
        key: impl Into<String>,
        shape: &[usize],
        init: Init,
    ) -> Result<&mut Self> {
        let key = key.into();
        if init.plan(&key, shape)?.is_none() {
            init.check_whole(&key, shape)?;
        }
        self.insert(Entry {
            key,
            shape: shape.to_vec(),
            source: Source::Init { init, zero_rows: Vec::new() },
        })
    }

    /// Append `key` holding `tensor`'s values (a buffer). Errors: an empty or duplicate key.
    ///
    /// ```
    /// use init_core::{Plan, Tensor, ndarray::ArrayD};
    /// let mut plan = Plan::new();
    /// plan.push_tensor("bn.num_batches_tracked", Tensor::I64(ArrayD::zeros(vec![])))?;
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn push_tensor(&mut self, key: impl Into<String>, tensor: Tensor) -> Result<&mut Self> {
        let shape = tensor.shape().to_vec();
        self.insert(Entry { key: key.into(), shape, source: Source::Tensor(tensor) })
    }

    /// Declare `alias` the same parameter as `target`, an entry already in the plan that
    /// is no alias itself (weight tying). The writer leaves `alias` out of the files, as
    /// Hugging Face's `save_pretrained` does.
    pub fn tie(&mut self, alias: impl Into<String>, target: &str) -> Result<&mut Self> {
        let alias = alias.into();
        let shape = match self.get(target) {
            Some(e) if !matches!(e.source, Source::Tied { .. }) => e.shape.clone(),
            Some(_) => return Err(rule(&alias, format!("cannot tie to {target}, itself tied"))),
            None => return Err(rule(&alias, format!("cannot tie to {target}: no such entry"))),
        };
        let source = Source::Tied { target: target.to_string() };
        self.insert(Entry { key: alias, shape, source })
    }

    /// Set row `row` (index along axis 0) of `key`'s values to zero after its fill, as
    /// `nn.Embedding(padding_idx=row)` and Hugging Face's `_init_weights` do. Errors: no
    /// such key, a key not filled by a scheme, a row out of range.
    pub fn zero_row(&mut self, key: &str, row: usize) -> Result<&mut Self> {
        let Some(&i) = self.index.get(key) else {
            return Err(rule(key, "no such entry in the plan".to_string()));
        };
        let e = &mut self.entries[i];
        let rows = e.shape.first().copied().unwrap_or(0);
        match &mut e.source {
            Source::Init { zero_rows, .. } if row < rows => zero_rows.push(row),
            Source::Init { .. } => {
                let shape = &e.shape;
                return Err(rule(key, format!("row {row} is out of range for shape {shape:?}")));
            }
            _ => return Err(rule(key, "only an entry filled by a scheme has rows to zero".into())),
        }
        Ok(self)
    }

    /// The entries, in order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry under `key`.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.index.get(key).map(|&i| &self.entries[i])
    }

    /// The number of entries (tied keys included).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the plan has no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Append `entry` after checking its key and size (a tied entry's target is the
    /// caller's to check).
    pub(super) fn insert(&mut self, entry: Entry) -> Result<&mut Self> {
        if entry.key.is_empty() {
            return Err(rule("", "a plan entry needs a non-empty key".into()));
        }
        if self.index.contains_key(&entry.key) {
            return Err(InitError::new(entry.key, ErrorKind::DuplicateKey));
        }
        let bytes = entry.shape.iter().try_fold(8usize, |n, &d| n.checked_mul(d));
        if bytes.is_none() {
            return Err(InitError::new(entry.key, ErrorKind::TooLarge { shape: entry.shape }));
        }
        self.index.insert(entry.key.clone(), self.entries.len());
        self.entries.push(entry);
        Ok(self)
    }
}

fn rule(key: &str, rule: String) -> InitError {
    InitError::new(key, ErrorKind::Checkpoint { rule })
}
