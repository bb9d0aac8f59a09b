//! State dicts: every parameter and buffer of a module tree under PyTorch's keys, and the
//! files they travel in.

mod dict;
pub(crate) mod load;
mod tensor;

pub use crate::dtype::Dtype;
pub use crate::report::{LoadReport, Mismatch};
pub use dict::{StateDict, StateDictIntoIter};
pub use tensor::Tensor;
