//! Handles on a [`Param`]: [`ParamMut`], which knows the parameter's path, and
//! [`ParamSlot`], what a module hands its visitor before the path is known.

use std::borrow::Cow;
use std::sync::Arc;

use ndarray::{ArrayViewD, ArrayViewMutD};

use super::Param;
use crate::error::Result;

/// A mutable handle on a [`Param`], with the parameter's full path (`"features.0.weight"`).
///
/// It can change the values, `requires_grad` and the [`origin`](Param::origin), but it cannot
/// replace the parameter: there is no way to get a `&mut Param` out of it, so the slot keeps
/// its shape. This is the guard against the PyTorch thread's bug, where a 3-channel conv
/// weight was silently replaced by a 1-channel one. Read-only methods come through
/// `Deref<Target = Param>`.
///
/// The init functions take a `ParamMut` and key their random stream by its
/// [`path`](ParamMut::path), so two layers of the same shape get different values. The
/// traversals hand out handles whose paths are relative to the module they are called on
/// (the root's paths are the model's names): [`ModuleMut::weight`](crate::ModuleMut::weight)
/// in [`try_apply`](crate::Module::try_apply), [`named_parameters_mut`](crate::Module::named_parameters_mut),
/// [`get_parameter_mut`](crate::Module::get_parameter_mut). A parameter outside a module gets one with
/// [`Param::at`].
///
/// ```
/// use init_core::{self as init, Linear, Module, Sequential};
/// let mut net = Sequential::new().push(Linear::<3, 2>::zeroed());
/// let mut w = net.get_parameter_mut("0.weight").expect("a Linear has a weight");
/// assert_eq!(w.path(), "0.weight");
/// init::constant(0.5).fill(&mut w)?;
/// assert_eq!(w.shape(), &[2, 3]);
/// assert!(w.requires_grad());
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Debug)]
pub struct ParamMut<'a> {
    param: &'a mut Param,
    path: Cow<'a, str>,
}

impl<'a> ParamMut<'a> {
    /// The handle on `param` at `path`.
    pub(crate) fn new(param: &'a mut Param, path: Cow<'a, str>) -> Self {
        ParamMut { param, path }
    }

    /// The parameter itself, for this crate's own walks.
    pub(crate) fn into_param(self) -> &'a mut Param {
        self.param
    }

    /// The same handle, under `prefix` (`"weight"` under `"fc"` is `"fc.weight"`).
    pub(crate) fn prefixed(self, prefix: &str) -> Self {
        if prefix.is_empty() {
            return self;
        }
        let path = format!("{prefix}.{}", self.path);
        ParamMut { param: self.param, path: Cow::Owned(path) }
    }
}

impl ParamMut<'_> {
    /// The parameter's path, relative to the module it was reached from
    /// (`"features.0.weight"` from the root), as [`named_parameters`](crate::Module::named_parameters)
    /// names it.
    ///
    /// ```
    /// use init_core::{Conv2d, Module, Sequential};
    /// let mut net = Sequential::new().push(Conv2d::<1, 4, 3>::zeroed());
    /// let paths: Vec<String> =
    ///     net.named_parameters_mut().iter().map(|(_, p)| p.path().to_string()).collect();
    /// assert_eq!(paths, ["0.weight", "0.bias"]);
    /// ```
    pub fn path(&self) -> &str {
        &self.path
    }

    /// A shorter-lived handle on the same parameter, with the same path, to pass on without
    /// giving this one up.
    pub fn reborrow(&mut self) -> ParamMut<'_> {
        ParamMut { param: self.param, path: Cow::Borrowed(&self.path) }
    }

    /// A mutable view: values can change, the shape cannot. Forgets the origin.
    pub fn view_mut(&mut self) -> ArrayViewMutD<'_, f32> {
        self.param.view_mut()
    }

    /// The values in row-major order, mutable. Forgets the origin.
    pub fn as_slice_mut(&mut self) -> &mut [f32] {
        self.param.as_slice_mut()
    }

    /// [`Param::copy_from`]: a source of another shape is an error, naming this parameter's
    /// path, and changes nothing.
    ///
    /// ```
    /// use init_core::Param;
    /// let mut w = Param::zeros(&[2]);
    /// let err = w.at("fc.bias").copy_from(&ndarray::arr1(&[1.0f32]).into_dyn().view()).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "fc.bias: shape mismatch: the parameter has shape [2], the source has shape [1]"
    /// );
    /// ```
    pub fn copy_from(&mut self, src: &ArrayViewD<'_, f32>) -> Result<()> {
        self.param.copy_from(src).map_err(|e| e.at(self.path.as_ref()))
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

    /// [`Param::set_origin`]: record where values set by hand come from.
    ///
    /// ```
    /// use init_core::{Linear, Module, Summary};
    /// let mut fc = Linear::<2, 1, false>::zeroed();
    /// let mut w = fc.get_parameter_mut("weight").expect("a Linear has a weight");
    /// w.copy_from(&ndarray::arr2(&[[0.5f32, -0.5]]).into_dyn().view())?;
    /// w.set_origin("difference of the two inputs, set by hand in main.rs");
    /// assert!(Summary::of(&fc).to_string().contains("difference of the two inputs, set by hand in main.rs"));
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn set_origin(&mut self, origin: impl Into<Arc<str>>) {
        self.param.set_origin(origin);
    }
}

impl std::ops::Deref for ParamMut<'_> {
    type Target = Param;
    fn deref(&self) -> &Param {
        self.param
    }
}

/// What a module hands its [`VisitorMut`](crate::VisitorMut) for each of its own parameters:
/// the parameter, before its path in the tree is known. The traversal that receives it makes
/// the [`ParamMut`], with the path; nothing else can be done with a slot, so a handle without
/// a path cannot reach an init function.
///
/// ```
/// use init_core::{LayerKind, Module, Param, ParamSlot, Visitor, VisitorMut};
///
/// /// A learned per-channel scale, written by hand.
/// struct Scale(Param);
///
/// impl Module for Scale {
///     fn kind(&self) -> LayerKind {
///         LayerKind::Custom("Scale")
///     }
///     fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
///         v.param("scale", &self.0);
///     }
///     fn visit_mut<'a>(&'a mut self, v: &mut dyn VisitorMut<'a>) {
///         v.param("scale", ParamSlot::from(&mut self.0));
///     }
/// }
///
/// let mut s = Scale(Param::zeros(&[8]));
/// let (path, p) = s.named_parameters_mut().remove(0);
/// assert_eq!((path.as_str(), p.path()), ("scale", "scale"));
/// ```
#[derive(Debug)]
pub struct ParamSlot<'a> {
    param: &'a mut Param,
}

impl<'a> ParamSlot<'a> {
    /// The handle on this parameter at `path`, for a visitor that knows where the module sits.
    pub fn at(self, path: impl Into<Cow<'a, str>>) -> ParamMut<'a> {
        ParamMut::new(self.param, path.into())
    }

    /// The parameter itself, for this crate's traversals.
    pub(crate) fn into_param(self) -> &'a mut Param {
        self.param
    }
}

impl<'a> From<&'a mut Param> for ParamSlot<'a> {
    /// Hand a parameter to a visitor; a module does this in [`visit_mut`](crate::Module::visit_mut).
    fn from(param: &'a mut Param) -> Self {
        ParamSlot { param }
    }
}

impl std::ops::Deref for ParamSlot<'_> {
    type Target = Param;
    fn deref(&self) -> &Param {
        self.param
    }
}

mod sealed {
    /// A value only this crate can make, so only this crate can call `parts`.
    pub struct Token(pub(super) ());

    /// The one way the crate's init functions reach a `&mut Param` and its path.
    pub trait Sealed {
        fn parts(&mut self, token: Token) -> (&mut super::Param, &str);
    }
}

/// What an init function can fill: a [`ParamMut`], by value or by `&mut`, which brings the
/// path that keys the random stream. Sealed: a bare `&mut Param` does not qualify (it has no
/// path; make a handle with [`Param::at`]), so two parameters cannot be given the same
/// stream by forgetting to name them:
///
/// ```compile_fail,E0277
/// let mut w = init_core::Param::zeros(&[3, 3]);
/// let _ = init_core::xavier_uniform().fill(&mut w, &mut init_core::Seed::new(0));
/// ```
///
/// ```
/// let mut w = init_core::Param::zeros(&[3, 3]);
/// init_core::xavier_uniform().fill(w.at("fc.weight"), &mut init_core::Seed::new(0))?;
/// # Ok::<(), init_core::InitError>(())
/// ```
pub trait ParamTarget: sealed::Sealed {}

impl sealed::Sealed for ParamMut<'_> {
    fn parts(&mut self, _: sealed::Token) -> (&mut Param, &str) {
        (self.param, &self.path)
    }
}
impl ParamTarget for ParamMut<'_> {}

impl sealed::Sealed for &mut ParamMut<'_> {
    fn parts(&mut self, _: sealed::Token) -> (&mut Param, &str) {
        (self.param, &self.path)
    }
}
impl ParamTarget for &mut ParamMut<'_> {}

/// The `&mut Param` behind a [`ParamTarget`] and its path, for this crate's init functions.
pub(crate) fn target(param: &mut impl ParamTarget) -> (&mut Param, &str) {
    param.parts(sealed::Token(()))
}
