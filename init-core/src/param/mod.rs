//! [`Param`], a trainable tensor whose shape never changes, and [`Buffer`], state that is not trained.

use std::sync::Arc;

use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD};

use crate::error::{ErrorKind, InitError, Result};

mod buffer;
mod zeroed;

pub use buffer::{Buffer, BufferData, BufferMut};

/// A trainable `f32` tensor.
///
/// Its shape is fixed when it is created: no public method can give it another one, so the
/// PyTorch pitfall of assigning `.data` a tensor of a different shape cannot be written.
/// Values are replaced by copy, after a shape check ([`Param::copy_from`]). The
/// `requires_grad` flag (true by default) is kept by every initialization, copy and load.
/// The storage is always contiguous in row-major order.
///
/// ```
/// use init_core::Param;
/// use ndarray::array;
///
/// let mut w = Param::zeros(&[2, 3]);
/// assert_eq!(w.shape(), &[2, 3]);
/// w.copy_from(&array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]].into_dyn().view())?;
/// assert_eq!(w.as_slice()[5], 6.0);
/// // A source of another shape is refused and nothing changes:
/// assert!(w.copy_from(&array![1.0, 2.0].into_dyn().view()).is_err());
/// assert_eq!(w.as_slice()[0], 1.0);
/// assert!(w.requires_grad());
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Param {
    value: ArrayD<f32>,
    requires_grad: bool,
    origin: Option<Arc<str>>,
}

/// Equal values (bit patterns aside: `==` on `f32`) and equal `requires_grad`; the
/// [`origin`](Param::origin) note is not compared.
impl PartialEq for Param {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value && self.requires_grad == other.requires_grad
    }
}

impl Param {
    /// A parameter of the given shape, all zeros.
    ///
    /// The memory comes from a zeroed allocation, so pages are not touched until the first
    /// fill writes them: construction followed by one initialization writes each byte once.
    ///
    /// # Panics
    ///
    /// If the shape has more elements than can be addressed, or the allocator refuses the
    /// memory, with [`Param::try_zeros`]'s error as the message; use [`Param::try_zeros`]
    /// for shapes that come from outside the program.
    ///
    /// ```
    /// assert_eq!(init_core::Param::zeros(&[2, 3]).as_slice(), &[0.0; 6]);
    /// ```
    pub fn zeros(shape: &[usize]) -> Self {
        Param::try_zeros(shape).unwrap_or_else(|e| panic!("Param::zeros: {e}"))
    }

    /// [`Param::zeros`] that returns an error instead of panicking or aborting: when the shape
    /// is too large to address ([`ErrorKind::TooLarge`]) or its memory cannot be allocated
    /// ([`ErrorKind::OutOfMemory`]). The allocation is zeroed and lazy, as for `zeros`.
    ///
    /// ```
    /// use init_core::Param;
    /// assert_eq!(Param::try_zeros(&[2, 3])?.numel(), 6);
    /// assert!(Param::try_zeros(&[0, usize::MAX]).is_err());
    /// let err = Param::try_zeros(&[usize::MAX, 2]).unwrap_err();
    /// assert_eq!(err.to_string(), format!("shape [{}, 2] has more elements than can be addressed", usize::MAX));
    /// // 128 TiB: no x86-64 process can map it.
    /// let err = Param::try_zeros(&[1 << 45]).unwrap_err();
    /// assert_eq!(err.to_string(), "shape [35184372088832] needs 140737488355328 bytes, which could not be allocated");
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn try_zeros(shape: &[usize]) -> Result<Self> {
        Ok(Param { value: zeroed::try_zeroed(shape)?, requires_grad: true, origin: None })
    }

    /// A parameter holding `value` (copied into row-major order if it is not already).
    ///
    /// ```
    /// let p = init_core::Param::from_array(ndarray::ArrayD::from_elem(vec![4], 0.5));
    /// assert_eq!(p.as_slice(), &[0.5; 4]);
    /// ```
    pub fn from_array(value: ArrayD<f32>) -> Self {
        let value = if value.is_standard_layout() {
            value
        } else {
            value.as_standard_layout().into_owned()
        };
        Param { value, requires_grad: true, origin: None }
    }

    /// The shape, fixed for the life of the parameter.
    pub fn shape(&self) -> &[usize] {
        self.value.shape()
    }

    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.value.ndim()
    }

    /// Number of elements.
    pub fn numel(&self) -> usize {
        self.value.len()
    }

    /// Whether gradients should be computed for this parameter (true unless frozen).
    pub fn requires_grad(&self) -> bool {
        self.requires_grad
    }

    /// Set whether gradients should be computed for this parameter.
    pub fn set_requires_grad(&mut self, requires_grad: bool) {
        self.requires_grad = requires_grad;
    }

    /// Stop training this parameter (`requires_grad = false`).
    ///
    /// ```
    /// let mut p = init_core::Param::zeros(&[3]);
    /// p.freeze();
    /// assert!(!p.requires_grad());
    /// p.unfreeze();
    /// assert!(p.requires_grad());
    /// ```
    pub fn freeze(&mut self) {
        self.requires_grad = false;
    }

    /// Train this parameter again (`requires_grad = true`).
    pub fn unfreeze(&mut self) {
        self.requires_grad = true;
    }

    /// A read-only view, for the rest of the ndarray ecosystem.
    pub fn view(&self) -> ArrayViewD<'_, f32> {
        self.value.view()
    }

    /// A mutable view: values can change, the shape cannot.
    pub fn view_mut(&mut self) -> ArrayViewMutD<'_, f32> {
        self.origin = None;
        self.value.view_mut()
    }

    /// The values in row-major order.
    pub fn as_slice(&self) -> &[f32] {
        // Invariant: the storage is always in standard layout.
        self.value.as_slice().unwrap_or(&[])
    }

    /// The values in row-major order, mutable.
    pub fn as_slice_mut(&mut self) -> &mut [f32] {
        self.origin = None;
        self.value.as_slice_mut().unwrap_or(&mut [])
    }

    /// Copy `src` into this parameter. A source of another shape is an error and leaves the
    /// parameter unchanged; `requires_grad` is kept.
    pub fn copy_from(&mut self, src: &ArrayViewD<'_, f32>) -> Result<()> {
        if src.shape() != self.shape() {
            return Err(InitError::new(
                "",
                ErrorKind::ShapeMismatch {
                    expected: self.shape().to_vec(),
                    got: src.shape().to_vec(),
                },
            ));
        }
        self.value.assign(src);
        self.origin = None;
        Ok(())
    }

    /// Which rule set the current values, when a module initialized them
    /// (`"kaiming_normal(mode = \"fan_out\") by #[init(Conv2d = ...)] on Net"`,
    /// `"default: Linear"`), or `"loaded by load_state_dict"` / `"set by set_parameter"`.
    /// `None` after any other write: a scheme called by hand, a copy, a mutable view.
    pub fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }

    /// Record which rule set the values (the module tree's init does this).
    pub(crate) fn set_origin(&mut self, origin: Arc<str>) {
        self.origin = Some(origin);
    }

    /// Consume the parameter and return its values.
    pub fn into_array(self) -> ArrayD<f32> {
        self.value
    }
}

/// A mutable handle on a [`Param`] that lives inside a module.
///
/// It can change the values and `requires_grad`, but it cannot replace the parameter: there
/// is no way to get a `&mut Param` out of it, so the slot keeps its shape. This is the
/// guard against the PyTorch thread's bug, where a 3-channel conv weight was silently
/// replaced by a 1-channel one. Read-only methods come through `Deref<Target = Param>`.
///
/// ```
/// use init_core::{Linear, Module, Seed};
/// let mut fc = Linear::<3, 2>::new(&mut Seed::new(0))?;
/// let mut w = fc.weight_mut().expect("Linear has a weight");
/// init_core::constant(&mut w, "weight", 0.5)?;
/// assert_eq!(w.shape(), &[2, 3]);
/// assert!(w.requires_grad());
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Debug)]
pub struct ParamMut<'a> {
    param: &'a mut Param,
}

impl ParamMut<'_> {
    /// A shorter-lived handle on the same parameter, to pass on without giving this one up.
    pub fn reborrow(&mut self) -> ParamMut<'_> {
        ParamMut { param: self.param }
    }

    /// A mutable view: values can change, the shape cannot.
    pub fn view_mut(&mut self) -> ArrayViewMutD<'_, f32> {
        self.param.view_mut()
    }

    /// The values in row-major order, mutable.
    pub fn as_slice_mut(&mut self) -> &mut [f32] {
        self.param.as_slice_mut()
    }

    /// [`Param::copy_from`]: a source of another shape is an error and changes nothing.
    pub fn copy_from(&mut self, src: &ArrayViewD<'_, f32>) -> Result<()> {
        self.param.copy_from(src)
    }

    /// Set whether gradients should be computed for this parameter.
    pub fn set_requires_grad(&mut self, requires_grad: bool) {
        self.param.set_requires_grad(requires_grad);
    }

    /// Stop training this parameter (`requires_grad = false`).
    pub fn freeze(&mut self) {
        self.param.freeze();
    }

    /// Train this parameter again (`requires_grad = true`).
    pub fn unfreeze(&mut self) {
        self.param.unfreeze();
    }

    /// Record which rule set the values.
    pub(crate) fn set_origin(&mut self, origin: Arc<str>) {
        self.param.set_origin(origin);
    }
}

impl<'a> From<&'a mut Param> for ParamMut<'a> {
    /// Wrap a parameter; modules do this when they hand their parameters to a visitor.
    fn from(param: &'a mut Param) -> Self {
        ParamMut { param }
    }
}

impl std::ops::Deref for ParamMut<'_> {
    type Target = Param;
    fn deref(&self) -> &Param {
        self.param
    }
}

mod sealed {
    /// A value only this crate can make, so only this crate can call `param_mut`.
    pub struct Token(pub(super) ());

    /// The one way the crate's init functions reach a `&mut Param`.
    pub trait Sealed {
        fn param_mut(&mut self, token: Token) -> &mut super::Param;
    }
}

/// What an init function can fill: a `&mut Param` the caller owns, or a [`ParamMut`] handed
/// out by a module. Sealed: the crate decides which types qualify.
pub trait ParamTarget: sealed::Sealed {}

impl sealed::Sealed for &mut Param {
    fn param_mut(&mut self, _: sealed::Token) -> &mut Param {
        self
    }
}
impl ParamTarget for &mut Param {}

impl sealed::Sealed for ParamMut<'_> {
    fn param_mut(&mut self, _: sealed::Token) -> &mut Param {
        self.param
    }
}
impl ParamTarget for ParamMut<'_> {}

impl sealed::Sealed for &mut ParamMut<'_> {
    fn param_mut(&mut self, _: sealed::Token) -> &mut Param {
        self.param
    }
}
impl ParamTarget for &mut ParamMut<'_> {}

/// The `&mut Param` behind a [`ParamTarget`], for this crate's init functions.
/// Every write through it forgets the parameter's [`origin`](Param::origin).
pub(crate) fn target(param: &mut impl ParamTarget) -> &mut Param {
    let param = param.param_mut(sealed::Token(()));
    param.origin = None;
    param
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{IxDyn, array};

    #[test]
    fn copy_from_mismatch_changes_nothing_and_names_both_shapes() {
        let mut p = Param::zeros(&[3, 1, 3, 3]);
        p.as_slice_mut()[0] = 7.0;
        let wrong = ArrayD::<f32>::ones(IxDyn(&[1, 1, 3, 3]));
        let err = p.copy_from(&wrong.view()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "shape mismatch: the parameter has shape [3, 1, 3, 3], the source has shape [1, 1, 3, 3]"
        );
        assert_eq!(p.as_slice()[0], 7.0);
        assert_eq!(p.shape(), &[3, 1, 3, 3]);
    }

    #[test]
    fn requires_grad_survives_copy() {
        let mut p = Param::zeros(&[2]);
        p.freeze();
        p.copy_from(&array![1.0f32, 2.0].into_dyn().view()).unwrap();
        assert!(!p.requires_grad());
        p.unfreeze();
        p.copy_from(&array![3.0f32, 4.0].into_dyn().view()).unwrap();
        assert!(p.requires_grad());
    }

    #[test]
    fn from_array_makes_storage_contiguous() {
        let a = array![[1.0f32, 2.0], [3.0, 4.0]].reversed_axes().into_dyn();
        let p = Param::from_array(a);
        assert_eq!(p.as_slice(), &[1.0, 3.0, 2.0, 4.0]);
    }
}
