//! `constant`, `ones` and `zeros`.

use super::Init;
use super::plan::Plan;
use crate::check;
use crate::error::Result;
use crate::param::ParamTarget;

pub(crate) fn constant_plan(path: &str, value: f64) -> Result<Plan> {
    check::finite_f32(path, "constant", "value", value)?;
    Ok(Plan::Const(value as f32))
}

/// A constant fill: [`constant`], [`ones`] or [`zeros`], ready to [`fill`](Constant::fill).
#[derive(Clone, Copy, Debug, PartialEq)]
#[must_use = "a scheme does nothing until `fill` is called"]
pub struct Constant {
    init: ConstantKind,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum ConstantKind {
    Value(f64),
    Ones,
    Zeros,
}

/// Fill with `value`, as `torch.nn.init.constant_(tensor, val)`. Works on any rank, including
/// 0-d.
///
/// Errors (from [`fill`](Constant::fill)): a value that is not a finite `f32`.
///
/// ```
/// use init_core::{self as init, Param};
/// let mut b = Param::zeros(&[3]);
/// init::constant(0.5).fill(b.at("bn.weight"))?;
/// assert_eq!(b.as_slice(), &[0.5; 3]);
/// assert_eq!(b.origin(), Some("constant(0.5)"));
/// let err = init::constant(f64::NAN).fill(b.at("bn.weight")).unwrap_err();
/// assert_eq!(err.to_string(), "bn.weight: constant: argument `value` must be finite, got NaN");
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn constant(value: f64) -> Constant {
    Constant { init: ConstantKind::Value(value) }
}

/// Fill with ones, as `torch.nn.init.ones_`.
///
/// ```
/// let mut w = init_core::Param::zeros(&[2, 2]);
/// init_core::ones().fill(w.at("bn.weight"))?;
/// assert_eq!(w.as_slice(), &[1.0; 4]);
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn ones() -> Constant {
    Constant { init: ConstantKind::Ones }
}

/// Fill with zeros, as `torch.nn.init.zeros_`.
///
/// ```
/// let mut b = init_core::Param::from_array(ndarray::ArrayD::from_elem(vec![3], 2.0));
/// init_core::zeros().fill(b.at("fc.bias"))?;
/// assert_eq!(b.as_slice(), &[0.0; 3]);
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn zeros() -> Constant {
    Constant { init: ConstantKind::Zeros }
}

impl Constant {
    /// Fill `param`; its [`origin`](crate::Param::origin) becomes the scheme (`"ones"`).
    pub fn fill(self, param: impl ParamTarget) -> Result<()> {
        super::apply_fixed(&Init::from(self), param)
    }
}

impl From<Constant> for Init {
    fn from(c: Constant) -> Init {
        match c.init {
            ConstantKind::Value(value) => Init::Constant { value },
            ConstantKind::Ones => Init::Ones,
            ConstantKind::Zeros => Init::Zeros,
        }
    }
}
