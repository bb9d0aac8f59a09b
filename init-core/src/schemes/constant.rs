//! `constant`, `ones` and `zeros`.

use super::check;
use super::plan::{Plan, fill_const};
use crate::error::Result;
use crate::param::ParamTarget;

pub(crate) fn constant_plan(path: &str, value: f64) -> Result<Plan> {
    check::finite_f32(path, "constant", "value", value)?;
    Ok(Plan::Const(value as f32))
}

/// Fill with `value`, as `torch.nn.init.constant_`. Works on any rank, including 0-d.
///
/// Errors: a value that is not a finite `f32`.
///
/// ```
/// use init_core::{self as init, Param};
/// let mut b = Param::zeros(&[3]);
/// init::constant(&mut b, "bn.weight", 0.5)?;
/// assert_eq!(b.as_slice(), &[0.5; 3]);
/// assert!(init::constant(&mut b, "bn.weight", f64::NAN).is_err());
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn constant(mut param: impl ParamTarget, path: &str, value: f64) -> Result<()> {
    let param = crate::param::target(&mut param);
    let plan = constant_plan(path, value)?;
    if let Plan::Const(v) = plan {
        fill_const(param.as_slice_mut(), v);
    }
    Ok(())
}

/// Fill with ones, as `torch.nn.init.ones_`.
///
/// ```
/// let mut w = init_core::Param::zeros(&[2, 2]);
/// init_core::ones(&mut w);
/// assert_eq!(w.as_slice(), &[1.0; 4]);
/// ```
pub fn ones(mut param: impl ParamTarget) {
    let param = crate::param::target(&mut param);
    fill_const(param.as_slice_mut(), 1.0);
}

/// Fill with zeros, as `torch.nn.init.zeros_`.
///
/// ```
/// let mut w = init_core::Param::from_array(ndarray::ArrayD::from_elem(vec![3], 2.0));
/// init_core::zeros(&mut w);
/// assert_eq!(w.as_slice(), &[0.0; 3]);
/// ```
pub fn zeros(mut param: impl ParamTarget) {
    let param = crate::param::target(&mut param);
    fill_const(param.as_slice_mut(), 0.0);
}
