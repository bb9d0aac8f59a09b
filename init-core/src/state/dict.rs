//! [`StateDict`]: an ordered map from PyTorch keys to tensors.

use std::collections::HashMap;

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
    /// Position of each key in `entries`, so that inserting n keys costs O(n), not O(n²)
    /// (a hostile file can hold millions of tiny tensors).
    index: HashMap<String, usize>,
}

impl StateDict {
    /// An empty state dict.
    pub fn new() -> Self {
        StateDict { entries: Vec::new(), index: HashMap::new() }
    }

    /// Add `key`; a key already present is an error and changes nothing.
    pub fn insert(&mut self, key: impl Into<String>, tensor: Tensor) -> Result<()> {
        let key = key.into();
        if self.index.contains_key(&key) {
            return Err(InitError::new(key, ErrorKind::DuplicateKey));
        }
        self.index.insert(key.clone(), self.entries.len());
        self.entries.push((key, tensor));
        Ok(())
    }

    /// The tensor under `key`.
    pub fn get(&self, key: &str) -> Option<&Tensor> {
        self.index.get(key).map(|&i| &self.entries[i].1)
    }

    /// Remove and return the tensor under `key`.
    pub fn remove(&mut self, key: &str) -> Option<Tensor> {
        let i = self.index.remove(key)?;
        let (_, tensor) = self.entries.remove(i);
        for position in self.index.values_mut().filter(|p| **p > i) {
            *position -= 1;
        }
        Some(tensor)
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

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::ArrayD;

    #[test]
    fn removing_keeps_the_index_in_step_with_the_order() {
        let mut sd = StateDict::new();
        for k in ["a", "b", "c", "d"] {
            sd.insert(k, Tensor::from(ArrayD::<f32>::zeros(vec![1]))).unwrap();
        }
        assert!(sd.remove("b").is_some());
        assert!(sd.remove("b").is_none());
        assert_eq!(sd.keys().collect::<Vec<_>>(), ["a", "c", "d"]);
        assert_eq!(sd.get("d").map(Tensor::shape), Some(&[1][..]));
        sd.insert("b", Tensor::from(ArrayD::<i64>::zeros(vec![2]))).unwrap();
        assert_eq!(sd.keys().collect::<Vec<_>>(), ["a", "c", "d", "b"]);
        assert_eq!(sd.get("b").map(Tensor::shape), Some(&[2][..]));
    }
}
