//! `eye` and `dirac`: identity-preserving fills, no randomness (PyTorch's `eye_`, `dirac_`).

use super::Init;
use crate::check;
use crate::error::{ErrorKind, InitError, Result};
use crate::param::{Param, ParamTarget};

/// The identity into a 2-D `param` (see [`eye`]).
pub(crate) fn fill_eye(param: &mut Param, path: &str) -> Result<()> {
    check_eye(path, param.shape())?;
    let (rows, cols) = (param.shape()[0], param.shape()[1]);
    let data = param.as_slice_mut();
    data.fill(0.0);
    for i in 0..rows.min(cols) {
        data[i * cols + i] = 1.0;
    }
    Ok(())
}

/// The Dirac delta into a 3- to 5-D `param` (see [`dirac`]).
pub(crate) fn fill_dirac(param: &mut Param, path: &str, groups: usize) -> Result<()> {
    check_dirac(path, param.shape(), groups)?;
    let shape = param.shape();
    let (out_ch, in_ch) = (shape[0], shape[1]);
    let spatial = &shape[2..];
    let taps: usize = spatial.iter().product();
    let centre = spatial.iter().fold(0, |acc, &k| acc * k + k / 2);
    let per_group = out_ch / groups;
    let data = param.as_slice_mut();
    data.fill(0.0);
    if taps == 0 {
        return Ok(());
    }
    for g in 0..groups {
        for d in 0..per_group.min(in_ch) {
            data[((g * per_group + d) * in_ch + d) * taps + centre] = 1.0;
        }
    }
    Ok(())
}

/// The rules of `eye` for a tensor of `shape`.
pub(crate) fn check_eye(path: &str, shape: &[usize]) -> Result<()> {
    check::rank(path, shape, "eye", "exactly 2 dimensions", |n| n == 2)
}

/// The rules of `dirac(groups)` for a tensor of `shape`.
pub(crate) fn check_dirac(path: &str, shape: &[usize], groups: usize) -> Result<()> {
    check::rank(path, shape, "dirac", "3, 4 or 5 dimensions", |n| (3..=5).contains(&n))?;
    if groups == 0 {
        return Err(InitError::new(
            path,
            ErrorKind::OutOfRange { scheme: "dirac", arg: "groups", rule: ">= 1", value: 0.0 },
        ));
    }
    if !shape[0].is_multiple_of(groups) {
        return Err(InitError::new(path, ErrorKind::DiracGroups { groups, dim0: shape[0] }));
    }
    Ok(())
}

/// `eye_`: [`eye`], then [`fill`](Eye::fill).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use = "a scheme does nothing until `fill` is called"]
pub struct Eye;

/// Fill a 2-D parameter with the identity matrix, as PyTorch's `eye_`: `1` at `(i, i)` for
/// `i < min(rows, cols)`, `0` elsewhere, so a `Linear` layer starts by passing its input
/// through (truncated or zero-padded when the sizes differ).
///
/// ```
/// use init_core::{self as init, Param};
/// let mut w = Param::zeros(&[2, 3]);
/// init::eye().fill(w.at("fc.weight"))?;
/// assert_eq!(w.as_slice(), &[1.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
/// let mut k = Param::zeros(&[3, 3, 3]);
/// let err = init::eye().fill(k.at("conv.weight")).unwrap_err();
/// assert_eq!(err.to_string(), "conv.weight: eye needs a tensor with exactly 2 dimensions, got shape [3, 3, 3]");
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn eye() -> Eye {
    Eye
}

impl Eye {
    /// Fill `param`; its [`origin`](crate::Param::origin) becomes `"eye"`.
    pub fn fill(self, param: impl ParamTarget) -> Result<()> {
        super::apply_fixed(&Init::Eye, param)
    }
}

impl From<Eye> for Init {
    fn from(_: Eye) -> Init {
        Init::Eye
    }
}

/// `dirac_` with named arguments: [`dirac`], then [`groups`](Dirac::groups),
/// [`fill`](Dirac::fill).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use = "a scheme does nothing until `fill` is called"]
pub struct Dirac {
    groups: usize,
}

/// Fill a 3-, 4- or 5-D convolution kernel `(out, in / groups, *kernel)` with the Dirac delta,
/// as PyTorch's `dirac_`: the convolution then copies its input channels (within each of the
/// `groups` groups, as many as fit) to the output.
///
/// Everything is zeroed, then with `per_group = out / groups` and `m = min(per_group, in)`,
/// `1` is written at `[g * per_group + d, d, k2 / 2, ...]` for every group `g` and `d < m`.
/// The centre of an even kernel dimension `k` is `k / 2`, the tap right of the middle.
/// `groups` (PyTorch's default 1) must be at least 1 and divide `out`.
///
/// ```
/// use init_core::{self as init, Param};
/// let mut w = Param::zeros(&[2, 2, 3]);
/// init::dirac().fill(w.at("conv.weight"))?;
/// assert_eq!(w.as_slice(), &[0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0]);
/// let mut w = Param::zeros(&[3, 2, 3]);
/// let err = init::dirac().groups(2).fill(w.at("conv.weight")).unwrap_err();
/// assert_eq!(err.to_string(), "conv.weight: dirac: dim 0 (size 3) must be divisible by groups = 2");
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn dirac() -> Dirac {
    Dirac { groups: 1 }
}

impl Dirac {
    /// The number of groups (default 1).
    pub fn groups(self, groups: usize) -> Self {
        Dirac { groups }
    }

    /// Fill `param`; its [`origin`](crate::Param::origin) becomes the scheme
    /// (`"dirac(groups = 2)"`).
    pub fn fill(self, param: impl ParamTarget) -> Result<()> {
        super::apply_fixed(&Init::from(self), param)
    }
}

impl From<Dirac> for Init {
    fn from(Dirac { groups }: Dirac) -> Init {
        Init::Dirac { groups }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ones_at(p: &Param) -> Vec<Vec<usize>> {
        let view = p.view();
        view.indexed_iter()
            .filter(|(_, v)| **v != 0.0)
            .map(|(idx, v)| {
                assert_eq!(*v, 1.0);
                ndarray::Dimension::slice(&idx).to_vec()
            })
            .collect()
    }

    fn filled(shape: &[usize]) -> Param {
        Param::from_array(ndarray::ArrayD::from_elem(shape, 5.0))
    }

    #[test]
    fn eye_exact_values() {
        let mut p = filled(&[3, 2]);
        fill_eye(&mut p, "w").unwrap();
        assert_eq!(p.as_slice(), &[1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
        let mut p = filled(&[2, 4]);
        fill_eye(&mut p, "w").unwrap();
        assert_eq!(p.as_slice(), &[1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
        let mut p = filled(&[0, 4]);
        fill_eye(&mut p, "w").unwrap();
        assert_eq!(p.shape(), &[0, 4]);
    }

    #[test]
    fn eye_errors() {
        let err = fill_eye(&mut Param::zeros(&[3, 3, 3]), "conv.weight").unwrap_err();
        assert_eq!(
            err.to_string(),
            "conv.weight: eye needs a tensor with exactly 2 dimensions, got shape [3, 3, 3]"
        );
        let err = fill_eye(&mut Param::zeros(&[4]), "").unwrap_err();
        assert_eq!(err.to_string(), "eye needs a tensor with exactly 2 dimensions, got shape [4]");
    }

    #[test]
    fn dirac_exact_values() {
        let mut p = filled(&[3, 2, 3]);
        fill_dirac(&mut p, "w", 1).unwrap();
        assert_eq!(ones_at(&p), vec![vec![0, 0, 1], vec![1, 1, 1]]);

        let mut p = filled(&[2, 3, 3, 3]);
        fill_dirac(&mut p, "w", 1).unwrap();
        assert_eq!(ones_at(&p), vec![vec![0, 0, 1, 1], vec![1, 1, 1, 1]]);

        // Even kernels: the centre is k / 2.
        let mut p = filled(&[2, 2, 4, 2]);
        fill_dirac(&mut p, "w", 1).unwrap();
        assert_eq!(ones_at(&p), vec![vec![0, 0, 2, 1], vec![1, 1, 2, 1]]);

        let mut p = filled(&[1, 1, 2, 3, 4]);
        fill_dirac(&mut p, "w", 1).unwrap();
        assert_eq!(ones_at(&p), vec![vec![0, 0, 1, 1, 2]]);
    }

    #[test]
    fn dirac_groups() {
        // out = 4, groups = 2: per group 2 outputs, in = 3 -> d in 0..2 in each group.
        let mut p = filled(&[4, 3, 3]);
        fill_dirac(&mut p, "w", 2).unwrap();
        assert_eq!(ones_at(&p), vec![vec![0, 0, 1], vec![1, 1, 1], vec![2, 0, 1], vec![3, 1, 1]]);
        // out = 6, groups = 3, in = 1: only d = 0 in each group.
        let mut p = filled(&[6, 1, 2, 2]);
        fill_dirac(&mut p, "w", 3).unwrap();
        assert_eq!(ones_at(&p), vec![vec![0, 0, 1, 1], vec![2, 0, 1, 1], vec![4, 0, 1, 1]]);
    }

    #[test]
    fn dirac_on_empty_kernels_is_a_no_op() {
        let mut p = filled(&[2, 0, 3]);
        fill_dirac(&mut p, "w", 1).unwrap();
        let mut p = filled(&[2, 2, 0]);
        fill_dirac(&mut p, "w", 2).unwrap();
        assert_eq!(p.numel(), 0);
    }

    #[test]
    fn dirac_errors() {
        let err = fill_dirac(&mut Param::zeros(&[3, 3]), "fc.weight", 1).unwrap_err();
        assert_eq!(
            err.to_string(),
            "fc.weight: dirac needs a tensor with 3, 4 or 5 dimensions, got shape [3, 3]"
        );
        let err = fill_dirac(&mut Param::zeros(&[1, 1, 1, 1, 1, 1]), "w", 1).unwrap_err();
        assert_eq!(
            err.to_string(),
            "w: dirac needs a tensor with 3, 4 or 5 dimensions, got shape [1, 1, 1, 1, 1, 1]"
        );
        let err = fill_dirac(&mut Param::zeros(&[3, 2, 3]), "conv.weight", 2).unwrap_err();
        assert_eq!(
            err.to_string(),
            "conv.weight: dirac: dim 0 (size 3) must be divisible by groups = 2"
        );
        let err = fill_dirac(&mut Param::zeros(&[3, 2, 3]), "conv.weight", 0).unwrap_err();
        assert_eq!(err.to_string(), "conv.weight: dirac: argument `groups` must be >= 1, got 0.0");
    }
}
