//! Non-generic forward kernels over runtime sizes. The const-generic layers are thin shells
//! that check their input and call these, so monomorphizing many layer sizes stays cheap.

pub(crate) mod activation;
pub(crate) mod attention;
pub(crate) mod bilinear;
pub(crate) mod channel_norm;
pub(crate) mod conv;
pub(crate) mod dense;
pub(crate) mod embedding;
pub(crate) mod norm;
pub(crate) mod pool;
pub(crate) mod recurrent;
pub(crate) mod softmax;
pub(crate) mod transformer;
pub(crate) mod upsample;
