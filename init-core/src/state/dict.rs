//! [`StateDict`]: an ordered map from PyTorch keys to tensors.

use super::Tensor;
use crate::error::{ErrorKind, InitError, Result};

/// Keys (`"conv1.weight"`, `"bn1.num_batches_tracked"`) and their tensors, in insertion
/// order, each key at most once.
///
/// ```
/// use init_core::state::{StateDict, Tensor};
/// use ndarray::ArrayD;
/// let mut sd = StateDict::new();
/// sd.insert("fc.weight", Tensor::from(ArrayD::<f32>::zeros(vec![2, 3])))?;
/// sd.insert("bn.num_batches_tracked", Tensor::from(ArrayD::<i64>::zeros(vec![])))?;
/// assert_eq!(sd.keys().collect::<Vec<_>>(), ["fc.weight", "bn.num_batches_tracked"]);
/// let err = sd.insert("fc.weight", Tensor::from(ArrayD::<f32>::zeros(vec![1]))).unwrap_err();
/// assert_eq!(err.to_string(), "fc.weight: the state dict already holds this key");
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StateDict {
    entries: Vec<(String, Tensor)>,
}

impl StateDict {
    /// An empty state dict.
    pub fn new() -> Self {
        StateDict { entries: Vec::new() }
    }

    /// Add `key`; a key already present is an error and changes nothing.
    pub fn insert(&mut self, key: impl Into<String>, tensor: Tensor) -> Result<()> {
        let key = key.into();
        if self.get(&key).is_some() {
            return Err(InitError::new(key, ErrorKind::DuplicateKey));
        }
        self.entries.push((key, tensor));
        Ok(())
    }

    /// The tensor under `key`.
    pub fn get(&self, key: &str) -> Option<&Tensor> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, t)| t)
    }

    /// Remove and return the tensor under `key`.
    pub fn remove(&mut self, key: &str) -> Option<Tensor> {
        let i = self.entries.iter().position(|(k, _)| k == key)?;
        Some(self.entries.remove(i).1)
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_str())
    }

    /// The entries, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Tensor)> {
        self.entries.iter().map(|(k, t)| (k.as_str(), t))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl IntoIterator for StateDict {
    type Item = (String, Tensor);
    type IntoIter = std::vec::IntoIter<(String, Tensor)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}
