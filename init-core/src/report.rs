//! [`LoadReport`]: what a state-dict load did with each key, and [`Mismatch`].
//!
//! A leaf below `error` and `state` (re-exported as `state::LoadReport` and
//! `state::Mismatch`): a failed strict load's error carries the report, and errors import no
//! state dict.

use std::fmt;

use crate::dtype::Dtype;

/// A key present in both the model and the state dict whose tensor does not fit: another
/// shape, another element type, or both.
///
/// ```
/// use init_core::{Dtype, Mismatch};
/// let m = Mismatch {
///     key: "conv1.weight".into(),
///     model_shape: vec![3, 1, 3, 3],
///     model_dtype: Dtype::F32,
///     source_shape: vec![1, 1, 3, 3],
///     source_dtype: Dtype::F32,
/// };
/// assert_eq!(
///     m.to_string(),
///     "size mismatch for conv1.weight: copying a param with shape [1, 1, 3, 3] from checkpoint, \
///      the shape in current model is [3, 1, 3, 3]."
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// The state-dict key (`"conv1.weight"`).
    pub key: String,
    /// The shape of the model's parameter or buffer.
    pub model_shape: Vec<usize>,
    /// The element type of the model's parameter or buffer (`F32`, or `I64` for
    /// `num_batches_tracked`).
    pub model_dtype: Dtype,
    /// The shape of the state dict's tensor.
    pub source_shape: Vec<usize>,
    /// The element type of the state dict's tensor.
    pub source_dtype: Dtype,
}

/// PyTorch's wording for a size mismatch; the dtype forms follow it.
impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = &self.key;
        let (ms, ss) = (&self.model_shape, &self.source_shape);
        let (md, sd) = (self.model_dtype, self.source_dtype);
        match (ms == ss, md == sd) {
            (false, true) | (true, true) => write!(
                f,
                "size mismatch for {key}: copying a param with shape {ss:?} from checkpoint, \
                 the shape in current model is {ms:?}."
            ),
            (true, false) => write!(
                f,
                "dtype mismatch for {key}: copying a param of dtype {sd} from checkpoint, \
                 the dtype in current model is {md}."
            ),
            (false, false) => write!(
                f,
                "size and dtype mismatch for {key}: copying a param with shape {ss:?} and \
                 dtype {sd} from checkpoint, the current model has shape {ms:?} and dtype {md}."
            ),
        }
    }
}

/// What [`load_state_dict`](crate::ModuleExt::load_state_dict) or
/// [`load_state_dict_partial`](crate::ModuleExt::load_state_dict_partial) did with each key.
///
/// After a successful strict load only [`loaded`](LoadReport::loaded) is non-empty. A
/// partial load lists here what it left alone; a strict load that finds any of these
/// problems loads nothing and returns them in an
/// [`ErrorKind::LoadStateDict`](crate::ErrorKind::LoadStateDict) error.
///
/// ```
/// use init_core::{Linear, ModuleExt};
///
/// let source = Linear::<3, 2>::zeroed();
/// let mut sd = source.state_dict();
/// sd.remove("bias");
/// let mut fc = Linear::<3, 2>::zeroed();
/// let report = fc.load_state_dict_partial(&sd)?;
/// assert_eq!(report.loaded, ["weight"]);
/// assert_eq!(report.missing, ["bias"]);
/// assert!(!report.is_clean());
/// assert_eq!(report.to_string(), "Loaded 1 key(s); not loaded:\n\tMissing key(s) in state_dict: \"bias\".");
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// Keys whose values were copied into the model, in the model's state-dict order.
    pub loaded: Vec<String>,
    /// Keys of the model that the state dict lacks, in the model's state-dict order.
    pub missing: Vec<String>,
    /// Keys of the state dict that name no parameter or buffer of the model, in the state
    /// dict's order.
    pub unexpected: Vec<String>,
    /// Keys present in both whose shapes or element types differ, in the model's order.
    pub mismatched: Vec<Mismatch>,
}

impl LoadReport {
    /// Whether every key matched: nothing missing, unexpected or mismatched.
    ///
    /// ```
    /// use init_core::{Linear, ModuleExt};
    /// let sd = Linear::<3, 2>::zeroed().state_dict();
    /// assert!(Linear::<3, 2>::zeroed().load_state_dict(&sd)?.is_clean());
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty() && self.unexpected.is_empty() && self.mismatched.is_empty()
    }

    /// One line per problem, each starting with `"\n\t"`, in PyTorch's order: missing keys,
    /// unexpected keys, then mismatches.
    pub(crate) fn problem_lines(&self) -> String {
        let quoted = |keys: &[String]| {
            keys.iter().map(|k| format!("\"{k}\"")).collect::<Vec<_>>().join(", ")
        };
        let mut out = String::new();
        if !self.missing.is_empty() {
            out.push_str(&format!("\n\tMissing key(s) in state_dict: {}.", quoted(&self.missing)));
        }
        if !self.unexpected.is_empty() {
            out.push_str(&format!(
                "\n\tUnexpected key(s) in state_dict: {}.",
                quoted(&self.unexpected)
            ));
        }
        for m in &self.mismatched {
            out.push_str(&format!("\n\t{m}"));
        }
        out
    }
}

/// `All keys matched successfully (N loaded).` when clean (PyTorch prints
/// `<All keys matched successfully>`), else `Loaded N key(s); not loaded:` and one
/// tab-indented line per problem, worded as PyTorch's errors.
impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.loaded.len();
        if self.is_clean() {
            write!(f, "All keys matched successfully ({n} loaded).")
        } else {
            write!(f, "Loaded {n} key(s); not loaded:{}", self.problem_lines())
        }
    }
}
