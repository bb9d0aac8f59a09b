//! Fan computation: PyTorch's layout rule by default, explicit axes for other layouts.

use std::fmt;
use std::str::FromStr;

use crate::error::{ErrorKind, InitError, Result};

/// Which axes of a weight hold its input and output features.
///
/// The default, [`FanAxes::TORCH`] (`in_axis = 1`, `out_axis = 0`), is PyTorch's layout:
/// Linear `(out, in)`, conv `(out, in / groups, *kernel)`. Keras and JAX store kernels as
/// `(*kernel, in, out)`: use [`FanAxes::KERAS`] (`in_axis = -2`, `out_axis = -1`). Negative
/// axes count from the end. All other axes form the receptive field.
///
/// ```
/// use init_core::{FanAxes, Fans};
/// // A Keras conv kernel (3, 3, 16, 32): fan_in = 16 * 9, fan_out = 32 * 9.
/// let f = Fans::compute("kaiming_normal", &[3, 3, 16, 32], FanAxes::KERAS)?;
/// assert_eq!((f.fan_in, f.fan_out), (144, 288));
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FanAxes {
    /// Axis of the input features.
    pub in_axis: isize,
    /// Axis of the output features.
    pub out_axis: isize,
}

impl FanAxes {
    /// PyTorch's layout: `(out, in, *receptive)`.
    pub const TORCH: FanAxes = FanAxes { in_axis: 1, out_axis: 0 };
    /// Keras/JAX layout: `(*receptive, in, out)`.
    pub const KERAS: FanAxes = FanAxes { in_axis: -2, out_axis: -1 };
}

impl Default for FanAxes {
    fn default() -> Self {
        FanAxes::TORCH
    }
}

/// The fans of a weight shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fans {
    /// Input features times the receptive field.
    pub fan_in: usize,
    /// Output features times the receptive field.
    pub fan_out: usize,
}

impl Fans {
    /// The fans of `shape` with the given axes; `scheme` names the caller in errors.
    ///
    /// With [`FanAxes::TORCH`] this is PyTorch's `_calculate_fan_in_and_fan_out`, including
    /// its error on fewer than 2 dimensions.
    pub fn compute(scheme: &'static str, shape: &[usize], axes: FanAxes) -> Result<Fans> {
        if shape.len() < 2 {
            return Err(InitError::new(
                "",
                ErrorKind::FanNeeds2D { scheme, shape: shape.to_vec() },
            ));
        }
        let resolve = |axis: isize| -> Result<usize> {
            let n = shape.len() as isize;
            let a = if axis < 0 { axis + n } else { axis };
            if (0..n).contains(&a) {
                Ok(a as usize)
            } else {
                Err(InitError::new("", ErrorKind::BadAxis { scheme, axis, shape: shape.to_vec() }))
            }
        };
        let (i, o) = (resolve(axes.in_axis)?, resolve(axes.out_axis)?);
        if i == o {
            return Err(InitError::new(
                "",
                ErrorKind::BadAxis { scheme, axis: axes.out_axis, shape: shape.to_vec() },
            ));
        }
        let mul = |a: usize, b: usize| a.checked_mul(b);
        let fans = shape
            .iter()
            .enumerate()
            .filter(|&(k, _)| k != i && k != o)
            .try_fold(1usize, |acc, (_, &d)| mul(acc, d))
            .and_then(|rf| Some(Fans { fan_in: mul(shape[i], rf)?, fan_out: mul(shape[o], rf)? }));
        fans.ok_or_else(|| InitError::new("", ErrorKind::TooLarge { shape: shape.to_vec() }))
    }

    /// The fan that `mode` selects, as a float (`fan_avg` is the mean of the two).
    pub fn select(self, mode: FanMode) -> f64 {
        match mode {
            FanMode::FanIn => self.fan_in as f64,
            FanMode::FanOut => self.fan_out as f64,
            FanMode::FanAvg => (self.fan_in as f64 + self.fan_out as f64) / 2.0,
        }
    }
}

/// Which fan scales the variance.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FanMode {
    /// `"fan_in"`: preserves the variance of activations in the forward pass.
    #[default]
    FanIn,
    /// `"fan_out"`: preserves the variance of gradients in the backward pass.
    FanOut,
    /// `"fan_avg"`: the mean of both (Keras/JAX `variance_scaling` only; Kaiming rejects it, as PyTorch does).
    FanAvg,
}

impl FanMode {
    /// Every mode.
    pub const ALL: [FanMode; 3] = [FanMode::FanIn, FanMode::FanOut, FanMode::FanAvg];

    /// The name used in attributes and by PyTorch/Keras.
    pub fn name(self) -> &'static str {
        match self {
            FanMode::FanIn => "fan_in",
            FanMode::FanOut => "fan_out",
            FanMode::FanAvg => "fan_avg",
        }
    }
}

impl fmt::Display for FanMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for FanMode {
    type Err = InitError;

    /// Parse a mode name, ignoring ASCII case as PyTorch does (`"FAN_OUT"` works).
    ///
    /// ```
    /// use init_core::FanMode;
    /// assert_eq!("FAN_OUT".parse::<FanMode>()?, FanMode::FanOut);
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        let found = FanMode::ALL.into_iter().find(|m| m.name().eq_ignore_ascii_case(s));
        found.ok_or_else(|| {
            InitError::new(
                "",
                ErrorKind::UnknownMode {
                    scheme: "variance_scaling",
                    mode: s.to_owned(),
                    expected: "\"fan_in\", \"fan_out\", \"fan_avg\"",
                },
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn torch_layout_rules() {
        let f = |s: &[usize]| Fans::compute("t", s, FanAxes::TORCH).unwrap();
        assert_eq!(f(&[10, 3]), Fans { fan_in: 3, fan_out: 10 });
        assert_eq!(f(&[16, 3, 5]), Fans { fan_in: 15, fan_out: 80 });
        assert_eq!(f(&[8, 4, 3, 3]), Fans { fan_in: 36, fan_out: 72 });
        assert_eq!(f(&[8, 4, 3, 3, 3]), Fans { fan_in: 108, fan_out: 216 });
    }

    #[test]
    fn fewer_than_two_dims_is_pytorchs_error() {
        let e = Fans::compute("xavier_uniform", &[5], FanAxes::TORCH).unwrap_err();
        assert_eq!(
            e.to_string(),
            "xavier_uniform cannot compute fan_in and fan_out for a tensor with fewer than 2 dimensions, got shape [5]"
        );
    }

    #[test]
    fn overflowing_shapes_are_errors() {
        let e = Fans::compute("xavier_normal", &[usize::MAX, 2, 3], FanAxes::TORCH).unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::TooLarge { shape: vec![usize::MAX, 2, 3] });
    }

    #[test]
    fn bad_axes_are_errors() {
        let e = Fans::compute("lecun_normal", &[3, 4], FanAxes { in_axis: 2, out_axis: 0 })
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "lecun_normal: axis 2 is out of range or repeated for shape [3, 4]"
        );
        assert!(Fans::compute("x", &[3, 4], FanAxes { in_axis: -1, out_axis: 1 }).is_err());
    }
}
