//! [`Tensor`]: one state-dict value, `f32` or `i64`.

use ndarray::{ArrayD, ArrayViewD};

use crate::dtype::Dtype;

/// One value of a [`StateDict`](super::StateDict): an owned `f32` or `i64` array.
///
/// ```
/// use init_core::{Dtype, Tensor};
/// let t = Tensor::from(ndarray::ArrayD::<f32>::zeros(vec![2, 3]));
/// assert_eq!(t.shape(), &[2, 3]);
/// assert_eq!(t.dtype(), Dtype::F32);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Tensor {
    /// `f32` values.
    F32(ArrayD<f32>),
    /// `i64` values.
    I64(ArrayD<i64>),
}

impl Tensor {
    /// The shape.
    pub fn shape(&self) -> &[usize] {
        match self {
            Tensor::F32(a) => a.shape(),
            Tensor::I64(a) => a.shape(),
        }
    }

    /// The element type.
    pub fn dtype(&self) -> Dtype {
        match self {
            Tensor::F32(_) => Dtype::F32,
            Tensor::I64(_) => Dtype::I64,
        }
    }

    /// The `f32` values, if this is an `f32` tensor.
    pub fn as_f32(&self) -> Option<ArrayViewD<'_, f32>> {
        match self {
            Tensor::F32(a) => Some(a.view()),
            Tensor::I64(_) => None,
        }
    }

    /// The `i64` values, if this is an `i64` tensor.
    pub fn as_i64(&self) -> Option<ArrayViewD<'_, i64>> {
        match self {
            Tensor::I64(a) => Some(a.view()),
            Tensor::F32(_) => None,
        }
    }
}

impl From<ArrayD<f32>> for Tensor {
    fn from(a: ArrayD<f32>) -> Self {
        Tensor::F32(a)
    }
}

impl From<ArrayD<i64>> for Tensor {
    fn from(a: ArrayD<i64>) -> Self {
        Tensor::I64(a)
    }
}
