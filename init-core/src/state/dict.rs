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
/// use init_core::{StateDict, Tensor};
/// use ndarray::ArrayD;
/// let mut sd = StateDict::new();
/// sd.insert("fc.weight", Tensor::from(ArrayD::<f32>::zeros(vec![2, 3])))?;
/// sd.insert("bn.num_batches_tracked", Tensor::from(ArrayD::<i64>::zeros(vec![])))?;
/// assert_eq!(sd.keys().collect::<Vec<_>>(), ["fc.weight", "bn.num_batches_tracked"]);
/// let err = sd.insert("fc.weight", Tensor::from(ArrayD::<f32>::zeros(vec![1]))).unwrap_err();
/// assert_eq!(err.to_string(), "fc.weight: the state dict already holds this key");
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Default)]
pub struct StateDict {
    /// Every key, one after another: one allocation for all of them, not one each (a hostile
    /// file can hold millions of tiny tensors; each costs what its entry holds).
    keys: String,
    /// Each entry's key as a range of `keys`, and its tensor, in insertion order.
    entries: Vec<(Span, Tensor)>,
    /// Positions of the keys, so that inserting n keys costs O(n), not O(n²).
    index: KeyIndex,
}

/// Where a key lies in [`StateDict::keys`].
#[derive(Clone, Copy, Debug)]
struct Span {
    start: usize,
    len: usize,
}

impl std::fmt::Debug for StateDict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl PartialEq for StateDict {
    /// Same keys in the same order with equal tensors.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
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
        StateDict {
            keys: String::new(),
            entries: Vec::with_capacity(n),
            index: KeyIndex::with_capacity(n),
        }
    }

    fn key_at(&self, i: usize) -> &str {
        let Span { start, len } = self.entries[i].0;
        &self.keys[start..start + len]
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.index.find(key, |i| self.key_at(i))
    }

    /// Add `key`; a key already present is an error and changes nothing.
    pub fn insert(&mut self, key: impl AsRef<str>, tensor: Tensor) -> Result<()> {
        let key = key.as_ref();
        if self.position(key).is_some() {
            return Err(InitError::new(key, ErrorKind::DuplicateKey));
        }
        if !self.index.push(key) {
            let rule = format!("a state dict holds at most {} entries", END - 1);
            return Err(InitError::new(key, ErrorKind::Config { layer: "StateDict", rule }));
        }
        let span = Span { start: self.keys.len(), len: key.len() };
        self.keys.push_str(key);
        self.entries.push((span, tensor));
        Ok(())
    }

    /// The tensor under `key`.
    pub fn get(&self, key: &str) -> Option<&Tensor> {
        self.position(key).map(|i| &self.entries[i].1)
    }

    /// Remove and return the tensor under `key` (O(n): the entries after it move).
    pub fn remove(&mut self, key: &str) -> Option<Tensor> {
        let i = self.position(key)?;
        let (span, tensor) = self.entries.remove(i);
        self.keys.replace_range(span.start..span.start + span.len, "");
        for (later, _) in &mut self.entries[i..] {
            later.start -= span.len;
        }
        self.index.clear();
        for at in 0..self.entries.len() {
            let Span { start, len } = self.entries[at].0;
            // The keys were distinct and fewer than before, so each is recorded.
            let _ = self.index.push(&self.keys[start..start + len]);
        }
        Some(tensor)
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        (0..self.entries.len()).map(|i| self.key_at(i))
    }

    /// The entries, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Tensor)> {
        (0..self.entries.len()).map(|i| (self.key_at(i), &self.entries[i].1))
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
    type IntoIter = StateDictIntoIter;
    fn into_iter(self) -> StateDictIntoIter {
        StateDictIntoIter { keys: self.keys, entries: self.entries.into_iter() }
    }
}

/// The entries of a [`StateDict`], by value and in order.
///
/// ```
/// use init_core::{StateDict, Tensor};
/// let mut sd = StateDict::new();
/// sd.insert("w", Tensor::from(ndarray::ArrayD::<f32>::zeros(vec![2])))?;
/// let all: Vec<(String, Tensor)> = sd.into_iter().collect();
/// assert_eq!(all[0].0, "w");
/// # Ok::<(), init_core::InitError>(())
/// ```
pub struct StateDictIntoIter {
    keys: String,
    entries: std::vec::IntoIter<(Span, Tensor)>,
}

impl Iterator for StateDictIntoIter {
    type Item = (String, Tensor);
    fn next(&mut self) -> Option<(String, Tensor)> {
        let (Span { start, len }, t) = self.entries.next()?;
        Some((self.keys[start..start + len].to_string(), t))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.entries.size_hint()
    }
}

/// Positions `0, 1, ...` of keys held elsewhere, found by the keys' hashes without a second
/// copy of any key: the last position pushed for each hash, the earlier ones chained through
/// `next`.
#[derive(Clone, Debug, Default)]
struct KeyIndex<S = RandomState> {
    /// The last position of each hash (its low 32 bits: a wrong match costs one string
    /// comparison; 8 bytes a slot instead of 16 or more).
    heads: HashMap<u32, u32>,
    next: Vec<u32>,
    hasher: S,
}

/// Ends a chain in [`KeyIndex::next`].
const END: u32 = u32::MAX;

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
        let mut i = *self.heads.get(&self.hash(key))?;
        while i != END {
            if key_at(i as usize) == key {
                return Some(i as usize);
            }
            i = self.next[i as usize];
        }
        None
    }

    /// Record `key` at the next position; `false` (and nothing recorded) when the index is
    /// full, at `u32::MAX - 1` positions.
    #[must_use]
    fn push(&mut self, key: &str) -> bool {
        let Some(at) = u32::try_from(self.next.len()).ok().filter(|&at| at != END) else {
            return false;
        };
        let head = self.heads.insert(self.hash(key), at).unwrap_or(END);
        self.next.push(head);
        true
    }

    fn clear(&mut self) {
        self.heads.clear();
        self.next.clear();
    }

    fn hash(&self, key: &str) -> u32 {
        self.hasher.hash_one(key) as u32
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
            assert!(index.push(k));
        }
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(index.find(k, |i| keys[i]), Some(i));
        }
        assert_eq!(index.find("d", |i| keys[i]), None);
    }
}
