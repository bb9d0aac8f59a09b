//! State dicts: every parameter and buffer of a module tree under PyTorch's keys, and the
//! files they travel in.

mod dict;
pub(crate) mod load;
mod report;
mod tensor;

pub use dict::StateDict;
pub use report::{LoadReport, Mismatch};
pub use tensor::{Dtype, Tensor};
