//! [`Dtype`]: the element type of a state-dict tensor.
//!
//! A leaf below `error` and `state` (re-exported as `state::Dtype`): the report a failed
//! strict load carries names dtypes, and errors import no state dict.

/// The element type of a [`Tensor`](crate::Tensor).
///
/// ```
/// use init_core::Dtype;
/// assert_eq!(Dtype::I64.to_string(), "I64");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dtype {
    /// 32-bit float: parameters and running statistics.
    F32,
    /// 64-bit integer: `num_batches_tracked`.
    I64,
}

impl std::fmt::Display for Dtype {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Dtype::F32 => "F32",
            Dtype::I64 => "I64",
        })
    }
}
