//! [`StateDict`]: an ordered map from PyTorch keys to tensors.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

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
#[derive(Clone, Debug, Default)]
pub struct StateDict {
    entries: Vec<(String, Tensor)>,
    /// Positions of the keys, so that inserting n keys costs O(n), not O(n²) (a hostile file
    /// can hold millions of tiny tensors).
    index: KeyIndex,
}

impl PartialEq for StateDict {
    /// Same keys in the same order with equal tensors (the index follows from them).
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}

impl StateDict {
    /// An empty state dict.
    pub fn new() -> Self {
        StateDict::default()
    }

    /// An empty state dict with room for `n` entries.
    ///
    /// ```
    /// let sd = init_core::StateDict::with_capacity(10);
    /// assert!(sd.is_empty());
    /// ```
    pub fn with_capacity(n: usize) -> Self {
        StateDict { entries: Vec::with_capacity(n), index: KeyIndex::with_capacity(n) }
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.index.find(key, |i| &self.entries[i].0)
    }

    /// Add `key`; a key already present is an error and changes nothing.
    pub fn insert(&mut self, key: impl Into<String>, tensor: Tensor) -> Result<()> {
        let key = key.into();
        if self.position(&key).is_some() {
            return Err(InitError::new(key, ErrorKind::DuplicateKey));
        }
        self.index.push(&key);
        self.entries.push((key, tensor));
        Ok(())
    }

    /// The tensor under `key`.
    pub fn get(&self, key: &str) -> Option<&Tensor> {
        self.position(key).map(|i| &self.entries[i].1)
    }

    /// Remove and return the tensor under `key` (O(n): the positions after it move).
    pub fn remove(&mut self, key: &str) -> Option<Tensor> {
        let i = self.position(key)?;
        let (_, tensor) = self.entries.remove(i);
        self.index.clear();
        for (k, _) in &self.entries {
            self.index.push(k);
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

/// Positions `0, 1, ...` of keys held elsewhere, found by the keys' hashes without a second
/// copy of any key: the last position pushed for each hash, the earlier ones chained through
/// `next`.
#[derive(Clone, Debug, Default)]
struct KeyIndex<S = RandomState> {
    heads: HashMap<u64, usize>,
    next: Vec<usize>,
    hasher: S,
}

/// Ends a chain in [`KeyIndex::next`].
const END: usize = usize::MAX;

impl KeyIndex {
    fn with_capacity(n: usize) -> Self {
        KeyIndex {
            heads: HashMap::with_capacity(n),
            next: Vec::with_capacity(n),
            hasher: RandomState::new(),
        }
    }
}

impl<S: BuildHasher> KeyIndex<S> {
    /// The position of `key`, where `key_at(i)` is the key at position `i`.
    fn find<'k>(&self, key: &str, key_at: impl Fn(usize) -> &'k str) -> Option<usize> {
        let mut i = *self.heads.get(&self.hasher.hash_one(key))?;
        while i != END {
            if key_at(i) == key {
                return Some(i);
            }
            i = self.next[i];
        }
        None
    }

    /// Record `key` at the next position.
    fn push(&mut self, key: &str) {
        let at = self.next.len();
        let head = self.heads.insert(self.hasher.hash_one(key), at).unwrap_or(END);
        self.next.push(head);
    }

    fn clear(&mut self) {
        self.heads.clear();
        self.next.clear();
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

    /// Every key hashes alike: the chains alone tell the keys apart.
    #[test]
    fn keys_with_one_hash_are_told_apart() {
        #[derive(Default)]
        struct Same;
        impl std::hash::Hasher for Same {
            fn finish(&self) -> u64 {
                7
            }
            fn write(&mut self, _: &[u8]) {}
        }
        let mut index = KeyIndex::<std::hash::BuildHasherDefault<Same>>::default();
        let keys = ["a", "b", "c"];
        for k in keys {
            assert_eq!(index.find(k, |i| keys[i]), None);
            index.push(k);
        }
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(index.find(k, |i| keys[i]), Some(i));
        }
        assert_eq!(index.find("d", |i| keys[i]), None);
    }
}
