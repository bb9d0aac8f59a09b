//! Non-generic forward kernels over runtime sizes. The const-generic layers are thin shells
//! that check their input and call these, so monomorphizing many layer sizes stays cheap.

pub(crate) mod activation;
pub(crate) mod dense;
pub(crate) mod pool;
