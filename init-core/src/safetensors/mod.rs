//! [`StateDict`]s in safetensors files: the format PyTorch (`safetensors.torch`), candle and
//! burn read and write.
//!
//! - [`save`] writes atomically: a temporary file in the target's directory (unnamed, with
//!   `O_TMPFILE`, where Linux allows it), `fsync`, rename over the target, `fsync` of the
//!   directory. A save that fails (or a process killed) part-way leaves the previous file as
//!   it was; the next save removes what a killed one left.
//! - [`to_bytes`] is deterministic: the header lists the tensors in the state dict's order
//!   (after `"__metadata__": {"format": "pt"}`); the data holds the `I64` tensors first, then
//!   the `F32` ones, so that every tensor is aligned to its element size, as the `safetensors`
//!   crate and PyTorch expect.
//! - [`load`] and [`from_bytes`] keep the header's order of keys (so a round trip keeps the
//!   state dict's order, and a file written by PyTorch loads in its own header order). `F32`
//!   and `I64` load as they are; `F16`, `BF16` and `F64` are converted to `f32` and listed in
//!   [`Loaded::conversions`]; every other dtype is an error that names the tensor.
//! - A broken or hostile file gets an error that says what is wrong
//!   ([`FileError`](crate::FileError), with the file in [`InitError::file`](crate::InitError::file)), never a panic, and never an allocation larger than the
//!   file: every length the header states is checked against the real size first.
//!
//! ```
//! use init_core::safetensors::{from_bytes, to_bytes};
//! use init_core::{StateDict, Tensor};
//! use ndarray::ArrayD;
//! let mut sd = StateDict::new();
//! sd.insert("fc.weight", Tensor::from(ArrayD::<f32>::ones(vec![2, 3])))?;
//! sd.insert("bn.num_batches_tracked", Tensor::from(ArrayD::<i64>::zeros(vec![])))?;
//! let loaded = from_bytes(&to_bytes(&sd)?)?;
//! assert_eq!(loaded.state, sd);
//! assert!(loaded.conversions.is_empty());
//! # Ok::<(), init_core::InitError>(())
//! ```

pub(crate) mod atomic;
mod checks;
pub(crate) mod convert;
mod file_dtype;
mod header;
mod read;
mod scan;
pub(crate) mod temp_names;
mod walk;
pub(crate) mod write;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_atomic;

use std::collections::BTreeMap;
use std::fmt;

use crate::dtype::Dtype;
use crate::state::StateDict;

pub use read::{from_bytes, load};
pub use write::{save, save_with_metadata, to_bytes, to_bytes_with_metadata};

/// The largest header the safetensors format accepts (the `safetensors` crate's limit).
const MAX_HEADER: u64 = 100_000_000;

/// A state dict read from a safetensors file, and what was converted to get it.
///
/// ```
/// use init_core::safetensors::{from_bytes, to_bytes};
/// use init_core::StateDict;
/// let loaded = from_bytes(&to_bytes(&StateDict::new())?)?;
/// assert!(loaded.state.is_empty() && loaded.conversions.is_empty());
/// assert_eq!(loaded.metadata["format"], "pt");
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Loaded {
    /// The tensors, in the order of the file's header.
    pub state: StateDict,
    /// The tensors that were stored in another float type and converted to `f32`, in the
    /// same order.
    pub conversions: Vec<Conversion>,
    /// The header's `__metadata__` (strings to strings; `format` included when the file has
    /// it): what [`save_with_metadata`] wrote, or a Hugging Face file's. Empty for a file
    /// without one, and for [`load_pytorch`](crate::load_pytorch).
    pub metadata: BTreeMap<String, String>,
}

/// One tensor converted on load: a float type to `f32`, or (from a PyTorch file) `bool` to
/// `i64`.
///
/// ```
/// use init_core::safetensors::{Conversion, SourceDtype};
/// let c = Conversion { key: "fc.weight".into(), from: SourceDtype::F16 };
/// assert_eq!(c.to_string(), "fc.weight: F16 converted to F32");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conversion {
    /// The tensor's key.
    pub key: String,
    /// The dtype it had in the file.
    pub from: SourceDtype,
}

impl fmt::Display for Conversion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} converted to {}", self.key, self.from, self.from.target())
    }
}

/// A dtype converted on load: the float types that [`load`], [`from_bytes`] and
/// [`load_pytorch`](crate::load_pytorch) convert to `f32`, and `bool`, which
/// [`load_pytorch`](crate::load_pytorch) converts to `i64` (`0` and `1`).
///
/// `F16` and `BF16` convert exactly (NaN payloads kept); `F64` rounds to the nearest `f32`
/// (values beyond `f32::MAX` become infinities).
///
/// ```
/// use init_core::safetensors::SourceDtype;
/// assert_eq!(SourceDtype::BF16.to_string(), "BF16");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SourceDtype {
    /// IEEE half precision.
    F16,
    /// bfloat16.
    BF16,
    /// IEEE double precision.
    F64,
    /// PyTorch's `bool` (one byte per value), converted to `i64`.
    Bool,
}

impl SourceDtype {
    /// The dtype it is converted to: [`Dtype::F32`] for the float types, [`Dtype::I64`] for
    /// `Bool`.
    ///
    /// ```
    /// use init_core::Dtype;
    /// use init_core::safetensors::SourceDtype;
    /// assert_eq!(SourceDtype::F16.target(), Dtype::F32);
    /// assert_eq!(SourceDtype::Bool.target(), Dtype::I64);
    /// ```
    pub fn target(self) -> Dtype {
        match self {
            SourceDtype::F16 | SourceDtype::BF16 | SourceDtype::F64 => Dtype::F32,
            SourceDtype::Bool => Dtype::I64,
        }
    }
}

impl fmt::Display for SourceDtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SourceDtype::F16 => "F16",
            SourceDtype::BF16 => "BF16",
            SourceDtype::F64 => "F64",
            SourceDtype::Bool => "BOOL",
        })
    }
}
