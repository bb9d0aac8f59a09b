//! `uniform`, `normal` and `trunc_normal`: the plain random schemes.

use super::check;
use super::plan::Plan;
use crate::error::Result;
use crate::param::ParamTarget;
use crate::rng::{Dist, Generator};

pub(crate) fn uniform_plan(path: &str, a: f64, b: f64) -> Result<Plan> {
    // `a == b` still draws (every value is `a`), so a sequential generator stays in step with PyTorch.
    Dist::checked_uniform(path, "uniform", ("a", a), ("b", b)).map(Plan::Draw)
}

pub(crate) fn normal_plan(path: &str, mean: f64, std: f64) -> Result<Plan> {
    // `std == 0` still draws (every value is `mean`), so a sequential generator stays in step with PyTorch.
    Dist::checked_normal(path, "normal", ("mean", mean), ("std", std)).map(Plan::Draw)
}

pub(crate) fn trunc_normal_plan(path: &str, mean: f64, std: f64, a: f64, b: f64) -> Result<Plan> {
    let scheme = "trunc_normal";
    check::finite_f32(path, scheme, "mean", mean)?;
    check::non_negative(path, scheme, "std", std)?;
    check::finite_f32(path, scheme, "a", a)?;
    check::finite_f32(path, scheme, "b", b)?;
    check::ordered(path, scheme, ("a", a), ("b", b))?;
    if std == 0.0 || a == b {
        return Ok(Plan::Const(mean.clamp(a, b) as f32));
    }
    Dist::checked_trunc_normal(path, scheme, mean, std, a, b).map(Plan::Draw)
}

/// Fill with `U[a, b)`, as `torch.nn.init.uniform_` (PyTorch's defaults are `a = 0`, `b = 1`).
///
/// Errors: `a > b`, a bound that is not a finite `f32`, or `b - a` above `f32::MAX` (as
/// PyTorch's `uniform_`).
///
/// ```
/// use init_core::{self as init, Param, Seed};
/// let mut w = Param::zeros(&[4, 5]);
/// init::uniform(&mut w, "w", -0.1, 0.1, &mut Seed::new(0))?;
/// assert!(w.as_slice().iter().all(|&x| (-0.1..0.1).contains(&x)));
/// let err = init::uniform(&mut w, "w", 1.0, 0.0, &mut Seed::new(0)).unwrap_err();
/// assert_eq!(err.to_string(), "w: uniform: needs a <= b, got a = 1.0 > b = 0.0");
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn uniform(
    mut param: impl ParamTarget,
    path: &str,
    a: f64,
    b: f64,
    rng: &mut dyn Generator,
) -> Result<()> {
    let param = crate::param::target(&mut param);
    Plan::resolve_and_run(param, path, rng, |_| uniform_plan(path, a, b))
}

/// Fill with `N(mean, std²)`, as `torch.nn.init.normal_` (defaults `mean = 0`, `std = 1`).
///
/// Errors: `std < 0`, non-finite arguments, `mean` beyond `f32`, or `|mean| + 10 * std` above
/// `f32::MAX` (values would overflow). `std = 0` fills with `mean`.
///
/// ```
/// use init_core::{self as init, Param, Seed};
/// let mut w = Param::zeros(&[768, 768]);
/// init::normal(&mut w, "h.0.attn.weight", 0.0, 0.02, &mut Seed::new(0))?;
/// let n = w.numel() as f64;
/// let var = w.as_slice().iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / n;
/// assert!((var.sqrt() - 0.02).abs() < 0.0002);
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn normal(
    mut param: impl ParamTarget,
    path: &str,
    mean: f64,
    std: f64,
    rng: &mut dyn Generator,
) -> Result<()> {
    let param = crate::param::target(&mut param);
    Plan::resolve_and_run(param, path, rng, |_| normal_plan(path, mean, std))
}

/// Fill with `N(mean, std²)` conditioned on `[a, b]`, as `torch.nn.init.trunc_normal_`
/// (defaults `mean = 0`, `std = 1`, `a = -2`, `b = 2`).
///
/// `a` and `b` are **absolute** bounds, as in PyTorch: `trunc_normal(std = 0.02)` truncates
/// at ±2.0, that is ±100σ. Unlike PyTorch, any window is sampled exactly, even one far in
/// a tail. Errors: `std < 0`, `a > b`, non-finite arguments, arguments beyond `f32`, or
/// `b - a` above `f32::MAX`.
///
/// ```
/// use init_core::{self as init, Param, Seed};
/// let mut w = Param::zeros(&[1000]);
/// init::trunc_normal(&mut w, "w", 0.0, 1.0, -0.5, 0.5, &mut Seed::new(0))?;
/// assert!(w.as_slice().iter().all(|&x| (-0.5..=0.5).contains(&x)));
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn trunc_normal(
    mut param: impl ParamTarget,
    path: &str,
    mean: f64,
    std: f64,
    a: f64,
    b: f64,
    rng: &mut dyn Generator,
) -> Result<()> {
    let param = crate::param::target(&mut param);
    Plan::resolve_and_run(param, path, rng, |_| trunc_normal_plan(path, mean, std, a, b))
}
