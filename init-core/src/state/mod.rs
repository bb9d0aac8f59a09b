//! State dicts: every parameter and buffer of a module tree under PyTorch's keys, and the
//! files they travel in.

mod dict;
mod tensor;

pub use dict::StateDict;
pub use tensor::{Dtype, Tensor};
