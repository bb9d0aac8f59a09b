//! [`Forward`]: the tensor-to-tensor forward pass shared by layers that [`Sequential`](crate::Sequential) can chain.

use ndarray::{ArrayD, ArrayViewD};

use super::Module;
use crate::error::Result;

/// A batched `f32` forward pass from one tensor to one tensor.
///
/// Layers whose forward takes something else (indices for `Embedding`, two inputs for
/// `Bilinear`, a recurrent state for `LSTM`) have their own inherent methods as well.
/// A wrong input shape is an error naming the layer and the rule, never a panic.
///
/// ```
/// use init_core::{Forward, Linear, Seed};
/// use ndarray::ArrayD;
/// let fc = Linear::<3, 2>::new(&mut Seed::new(0))?;
/// let x = ArrayD::<f32>::zeros(vec![4, 3]);
/// assert_eq!(fc.forward(x.view())?.shape(), &[4, 2]);
/// let err = fc.forward(ArrayD::<f32>::zeros(vec![4, 5]).view()).unwrap_err();
/// assert_eq!(err.to_string(), "Linear: input of shape [4, 5] must have last dimension 3 (in_features)");
/// # Ok::<(), init_core::InitError>(())
/// ```
pub trait Forward {
    /// Run the layer in evaluation mode on a batch.
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>>;
}

/// A [`Module`] that is also a [`Forward`] layer; what [`Sequential`](crate::Sequential) holds.
pub trait ForwardModule: Module + Forward {}

impl<T: Module + Forward> ForwardModule for T {}
