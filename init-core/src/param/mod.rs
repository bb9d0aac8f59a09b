//! [`Param`], a trainable tensor whose shape never changes, its handle [`ParamMut`] (which
//! knows the parameter's path), and [`Buffer`], state that is not trained.

use std::sync::Arc;

use ndarray::{ArcArray, ArrayD, ArrayViewD, ArrayViewMutD, IxDyn};

use crate::error::{ErrorKind, InitError, Result};

mod buffer;
mod deferred;
mod handle;
mod huge_pages;
mod zeroed;

pub use buffer::{Buffer, BufferData, BufferMut};
pub use deferred::build_or_error;
pub(crate) use deferred::defer;
pub(crate) use handle::target;
pub use handle::{ParamMut, ParamSlot, ParamTarget};
pub(crate) use zeroed::{try_zeroed, zeroed_vec};

/// A trainable `f32` tensor.
///
/// Its shape is fixed when it is created: no public method can give it another one, so the
/// PyTorch pitfall of assigning `.data` a tensor of a different shape cannot be written.
/// Values are replaced by copy, after a shape check ([`Param::copy_from`]). The
/// `requires_grad` flag (true by default) is kept by every initialization, copy and load.
/// The storage is always contiguous in row-major order. It is reference counted and copied
/// on write: a clone shares it until either copy is written, and a tied parameter
/// ([`Tie`](crate::Tie)) is one storage under two paths.
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
    value: ArcArray<f32, IxDyn>,
    requires_grad: bool,
    origin: Option<Arc<str>>,
    /// The standard deviation the scheme that last filled the values intended.
    intended: Option<f64>,
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
        let value = try_zeroed(shape)?.into_shared();
        Ok(Param { value, requires_grad: true, origin: None, intended: None })
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
        Param { value: value.into_shared(), requires_grad: true, origin: None, intended: None }
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
        self.intended = None;
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
        self.intended = None;
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
        self.intended = None;
        Ok(())
    }

    /// Which rule set the current values: the rule of a module's init
    /// (`"kaiming_normal(mode = \"fan_out\") by #[init(Conv2d = ...)] on Net"`,
    /// `"default: Linear"`), the scheme of an imperative fill
    /// (`"kaiming_normal(mode = \"fan_out\", nonlinearity = \"relu\")"`),
    /// `"loaded by load_state_dict"` / `"set by set_parameter"`, or what the user recorded
    /// with [`set_origin`](Param::set_origin). `None` after any other write: a copy, a
    /// mutable view or slice.
    ///
    /// ```
    /// use init_core::{self as init, Param, Seed};
    /// let mut w = Param::zeros(&[4, 4]);
    /// init::normal().std(0.02).fill(w.at("fc.weight"), &mut Seed::new(0))?;
    /// assert_eq!(w.origin(), Some("normal(std = 0.02)"));
    /// w.as_slice_mut()[0] = 1.0;
    /// assert_eq!(w.origin(), None);
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }

    /// Record where the current values come from, after setting them by hand; the next write
    /// forgets it, and [`Summary`](crate::Summary) shows it whole.
    ///
    /// ```
    /// use init_core::Param;
    /// let mut w = Param::zeros(&[2]);
    /// w.copy_from(&ndarray::arr1(&[0.5f32, -0.5]).into_dyn().view())?;
    /// w.set_origin("copied from the teacher's fc.weight");
    /// assert_eq!(w.origin(), Some("copied from the teacher's fc.weight"));
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn set_origin(&mut self, origin: impl Into<Arc<str>>) {
        self.origin = Some(origin.into());
    }

    /// The standard deviation that the scheme which set the current values intended them to
    /// have, from its arguments and this parameter's shape ([`Init::intended_std`](crate::Init::intended_std)):
    /// set by every scheme's fill (a rule, a layer's PyTorch default, an imperative `fill`),
    /// `None` after any other write (a load, a copy, a mutable view or slice). The init
    /// report compares it with the measured standard deviation.
    ///
    /// ```
    /// use init_core::{self as init, Linear, Module, Param, Seed};
    /// let mut w = Param::zeros(&[64, 32]);
    /// init::normal().std(0.02).fill(w.at("fc.weight"), &mut Seed::new(0))?;
    /// assert_eq!(w.intended_std(), Some(0.02));
    /// // PyTorch's Linear default, kaiming_uniform(a = √5): U(-1/√32, 1/√32).
    /// let fc = Linear::<32, 64>::new(&mut Seed::new(0))?;
    /// let want = 2.0 / 32f64.sqrt() / 12f64.sqrt();
    /// assert!((fc.weight().unwrap().intended_std().unwrap() - want).abs() < 1e-12);
    /// w.as_slice_mut()[0] = 1.0;
    /// assert_eq!(w.intended_std(), None);
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn intended_std(&self) -> Option<f64> {
        self.intended
    }

    /// Record the intended standard deviation of the values just written (see
    /// [`intended_std`](Param::intended_std)).
    pub(crate) fn set_intended_std(&mut self, std: Option<f64>) {
        self.intended = std;
    }

    /// A handle on this parameter that knows its path, for the init functions, which key
    /// their random stream by it. This is the one place a path is written by hand: a
    /// parameter inside a module gets its handle, with its path, from the module's traversals
    /// ([`ModuleMut::weight`](crate::ModuleMut::weight),
    /// [`named_parameters_mut`](crate::Module::named_parameters_mut)).
    ///
    /// ```
    /// use init_core::{self as init, Param, Seed};
    /// let mut w = Param::zeros(&[3, 4]);
    /// init::xavier_uniform().fill(w.at("encoder.weight"), &mut Seed::new(0))?;
    /// assert_eq!(w.at("encoder.weight").path(), "encoder.weight");
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn at<'a>(&'a mut self, path: impl Into<std::borrow::Cow<'a, str>>) -> ParamMut<'a> {
        ParamMut::new(self, path.into())
    }

    /// Consume the parameter and return its values.
    pub fn into_array(self) -> ArrayD<f32> {
        self.value.into_owned()
    }

    /// Whether `self` and `other` are one storage: the two paths of a tied parameter, or a
    /// clone that neither side has written since.
    ///
    /// ```
    /// let mut a = init_core::Param::zeros(&[3]);
    /// let b = a.clone();
    /// assert!(a.shares_storage_with(&b));
    /// a.as_slice_mut()[0] = 1.0; // copy on write: b keeps its values
    /// assert!(!a.shares_storage_with(&b));
    /// assert_eq!(b.as_slice(), &[0.0; 3]);
    /// ```
    pub fn shares_storage_with(&self, other: &Param) -> bool {
        std::ptr::eq(self.value.as_ptr(), other.value.as_ptr()) && self.shape() == other.shape()
    }
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
