//! [`Buffer`], state that belongs in the state dict but is not trained, and [`BufferMut`], its
//! handle inside a module.

use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, IxDyn};

use super::zeroed::try_zeroed;
use crate::error::Result;

/// The element values of a [`Buffer`].
#[derive(Clone, Debug, PartialEq)]
pub enum BufferData {
    /// Floating-point state, such as BatchNorm's running statistics.
    F32(ArrayD<f32>),
    /// Integer state, such as BatchNorm's `num_batches_tracked` (a 0-d `i64` in PyTorch).
    I64(ArrayD<i64>),
}

/// State that belongs in the state dict but is not trained (not in `parameters()`).
///
/// Like [`Param`](crate::Param), its shape is fixed at creation.
///
/// ```
/// use init_core::{Buffer, BufferData};
/// let mut steps = Buffer::i64_scalar(0);
/// assert_eq!(steps.shape(), &[] as &[usize]);
/// let mut mean = Buffer::f32_zeros(&[4]);
/// assert!(matches!(mean.data(), BufferData::F32(a) if a.len() == 4));
/// # let _ = (&mut steps, &mut mean);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Buffer {
    data: BufferData,
    /// Whether it belongs in the state dict (PyTorch's `persistent`, true by default).
    persistent: bool,
}

impl Buffer {
    /// An `f32` buffer of zeros, from a zeroed allocation (pages untouched until written).
    ///
    /// # Panics
    ///
    /// If the shape has more elements than can be addressed, or the allocator refuses the
    /// memory, with [`Buffer::try_f32_zeros`]'s error as the message.
    ///
    /// ```
    /// let b = init_core::Buffer::f32_zeros(&[3]);
    /// assert_eq!(b.as_f32().unwrap().as_slice(), Some(&[0.0; 3][..]));
    /// ```
    pub fn f32_zeros(shape: &[usize]) -> Self {
        Buffer::try_f32_zeros(shape).unwrap_or_else(|e| panic!("Buffer::f32_zeros: {e}"))
    }

    /// [`Buffer::f32_zeros`] that returns an error instead of panicking or aborting: when the
    /// shape is too large to address ([`ErrorKind::TooLarge`](crate::ErrorKind::TooLarge)) or
    /// its memory cannot be allocated ([`ErrorKind::OutOfMemory`](crate::ErrorKind::OutOfMemory)).
    ///
    /// ```
    /// use init_core::Buffer;
    /// assert_eq!(Buffer::try_f32_zeros(&[2, 2])?.shape(), &[2, 2]);
    /// let err = Buffer::try_f32_zeros(&[usize::MAX, 2]).unwrap_err();
    /// assert_eq!(err.to_string(), format!("shape [{}, 2] has more elements than can be addressed", usize::MAX));
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn try_f32_zeros(shape: &[usize]) -> Result<Self> {
        Ok(Buffer { data: BufferData::F32(try_zeroed(shape)?), persistent: true })
    }

    /// An `f32` buffer filled with `value`.
    ///
    /// # Panics
    ///
    /// As [`Buffer::f32_zeros`]; [`Buffer::try_f32_full`] returns the error instead.
    ///
    /// ```
    /// let b = init_core::Buffer::f32_full(&[2], 1.0);
    /// assert_eq!(b.as_f32().unwrap().as_slice(), Some(&[1.0; 2][..]));
    /// ```
    pub fn f32_full(shape: &[usize], value: f32) -> Self {
        Buffer::try_f32_full(shape, value).unwrap_or_else(|e| panic!("Buffer::f32_full: {e}"))
    }

    /// [`Buffer::f32_full`] that returns an error instead of panicking or aborting, as
    /// [`Buffer::try_f32_zeros`] does.
    ///
    /// ```
    /// use init_core::Buffer;
    /// let var = Buffer::try_f32_full(&[4], 1.0)?;
    /// assert!(var.as_f32().unwrap().iter().all(|&x| x == 1.0));
    /// assert!(Buffer::try_f32_full(&[1 << 45], 1.0).is_err());
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn try_f32_full(shape: &[usize], value: f32) -> Result<Self> {
        let mut a = try_zeroed(shape)?;
        if value.to_bits() != 0 {
            a.fill(value);
        }
        Ok(Buffer { data: BufferData::F32(a), persistent: true })
    }

    /// A 0-d `i64` buffer.
    pub fn i64_scalar(value: i64) -> Self {
        Buffer { data: BufferData::I64(ArrayD::from_elem(IxDyn(&[]), value)), persistent: true }
    }

    /// The same buffer, kept out of the state dict (PyTorch's
    /// `register_buffer(name, tensor, persistent=False)`): it is still one of the module's
    /// buffers (`named_buffers`), but `state_dict` leaves it out and loading does not expect
    /// it.
    ///
    /// ```
    /// use init_core::Buffer;
    /// let mask = Buffer::f32_full(&[4, 4], 1.0).non_persistent();
    /// assert!(!mask.is_persistent());
    /// assert!(Buffer::f32_zeros(&[2]).is_persistent());
    /// ```
    #[must_use]
    pub fn non_persistent(mut self) -> Self {
        self.persistent = false;
        self
    }

    /// Whether the buffer is in the state dict (see [`Buffer::non_persistent`]).
    pub fn is_persistent(&self) -> bool {
        self.persistent
    }

    /// An `f32` buffer holding `values`, persistent.
    pub(crate) fn from_f32(values: ArrayD<f32>) -> Self {
        Buffer { data: BufferData::F32(values), persistent: true }
    }

    /// The shape, fixed for the life of the buffer.
    pub fn shape(&self) -> &[usize] {
        match &self.data {
            BufferData::F32(a) => a.shape(),
            BufferData::I64(a) => a.shape(),
        }
    }

    /// The values.
    pub fn data(&self) -> &BufferData {
        &self.data
    }

    /// The `f32` values, if this is an `f32` buffer.
    pub fn as_f32(&self) -> Option<ArrayViewD<'_, f32>> {
        match &self.data {
            BufferData::F32(a) => Some(a.view()),
            BufferData::I64(_) => None,
        }
    }

    /// The `f32` values, mutable, if this is an `f32` buffer.
    pub fn as_f32_mut(&mut self) -> Option<ArrayViewMutD<'_, f32>> {
        match &mut self.data {
            BufferData::F32(a) => Some(a.view_mut()),
            BufferData::I64(_) => None,
        }
    }

    /// The `i64` values, if this is an `i64` buffer.
    pub fn as_i64(&self) -> Option<ArrayViewD<'_, i64>> {
        match &self.data {
            BufferData::I64(a) => Some(a.view()),
            BufferData::F32(_) => None,
        }
    }

    /// The `i64` values, mutable, if this is an `i64` buffer.
    pub fn as_i64_mut(&mut self) -> Option<ArrayViewMutD<'_, i64>> {
        match &mut self.data {
            BufferData::I64(a) => Some(a.view_mut()),
            BufferData::F32(_) => None,
        }
    }
}

/// A mutable handle on a [`Buffer`] that lives inside a module: its values can change, its
/// shape and element type cannot.
#[derive(Debug)]
pub struct BufferMut<'a> {
    buffer: &'a mut Buffer,
}

impl BufferMut<'_> {
    /// The `f32` values, mutable, if this is an `f32` buffer.
    pub fn as_f32_mut(&mut self) -> Option<ArrayViewMutD<'_, f32>> {
        self.buffer.as_f32_mut()
    }

    /// The `i64` values, mutable, if this is an `i64` buffer.
    pub fn as_i64_mut(&mut self) -> Option<ArrayViewMutD<'_, i64>> {
        self.buffer.as_i64_mut()
    }
}

impl<'a> From<&'a mut Buffer> for BufferMut<'a> {
    /// Wrap a buffer; modules do this when they hand their buffers to a visitor.
    fn from(buffer: &'a mut Buffer) -> Self {
        BufferMut { buffer }
    }
}

impl std::ops::Deref for BufferMut<'_> {
    type Target = Buffer;
    fn deref(&self) -> &Buffer {
        self.buffer
    }
}
