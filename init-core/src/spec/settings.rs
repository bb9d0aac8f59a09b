//! The rules on a layer's runtime settings (PyTorch's keyword arguments: `eps`, `momentum`,
//! `scale_factor`, ...), each written once as a `const fn`. A layer's builder
//! (`with_eps`, `with_momentum`, ...) refuses a value through the same function, adding the
//! layer's name and the value; the derive can evaluate it on a literal at compile time.
//!
//! Each rule returns `Ok(())` or `Err(rule)`, the rule in words without the value
//! (`"eps must be finite and >= 0"`).
//!
//! ```
//! use init_core::spec::settings;
//! assert_eq!(settings::eps(1e-6), Ok(()));
//! assert_eq!(settings::eps(-1.0), Err("eps must be finite and >= 0"));
//! const CHECKED: () = assert!(settings::momentum(Some(0.1)).is_ok());
//! ```

use std::fmt::{Debug, Display};

use crate::error::{InitError, Result};

/// A setting's verdict: `Err` holds the rule it breaks.
pub type Verdict = core::result::Result<(), &'static str>;

/// `eps` of a normalization layer (LayerNorm, BatchNorm, InstanceNorm, GroupNorm, RMSNorm):
/// finite and `>= 0`.
pub const fn eps(eps: f64) -> Verdict {
    if eps.is_finite() && eps >= 0.0 { Ok(()) } else { Err("eps must be finite and >= 0") }
}

/// `momentum` of the running statistics: `None` (a cumulative average) or in `[0, 1]`.
pub const fn momentum(momentum: Option<f64>) -> Verdict {
    match momentum {
        Some(m) if !(m >= 0.0 && m <= 1.0) => {
            Err("momentum must be in [0, 1] (or None for a cumulative average)")
        }
        _ => Ok(()),
    }
}

/// PReLU's `init`, the value its weight is filled with: finite.
pub const fn prelu_init(init: f64) -> Verdict {
    if init.is_finite() { Ok(()) } else { Err("init must be finite") }
}

/// AvgPool's `divisor_override`: `None` or `> 0`.
pub const fn divisor_override(divisor: Option<usize>) -> Verdict {
    match divisor {
        Some(0) => Err("divisor_override must be > 0"),
        _ => Ok(()),
    }
}

/// The most spatial axes a pooling or upsampling setting can name.
pub const MAX_SPATIAL: usize = 3;

/// How many values Upsample's `size` or `scale_factor` has: one (every axis) or one per
/// spatial axis, at most 3. `what` names the setting.
pub const fn upsample_count(what: UpsampleTarget, count: usize) -> Verdict {
    if count >= 1 && count <= MAX_SPATIAL {
        return Ok(());
    }
    match what {
        UpsampleTarget::Size => Err("size must have 1 to 3 values (one, or one per spatial axis)"),
        UpsampleTarget::ScaleFactor => {
            Err("scale_factor must have 1 to 3 values (one, or one per spatial axis)")
        }
    }
}

/// Which of Upsample's two targets a rule is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpsampleTarget {
    /// `size`.
    Size,
    /// `scale_factor`.
    ScaleFactor,
}

/// Upsample's `size`: one value (every axis) or one per spatial axis (at most 3), each `> 0`.
pub const fn upsample_size(size: &[usize]) -> Verdict {
    if let Err(rule) = upsample_count(UpsampleTarget::Size, size.len()) {
        return Err(rule);
    }
    let mut i = 0;
    while i < size.len() {
        if size[i] == 0 {
            return Err("size must be > 0 on every axis");
        }
        i += 1;
    }
    Ok(())
}

/// Upsample's `scale_factor`: one value (every axis) or one per spatial axis (at most 3),
/// each finite and `> 0`.
pub const fn upsample_scale_factor(scale: &[f64]) -> Verdict {
    if let Err(rule) = upsample_count(UpsampleTarget::ScaleFactor, scale.len()) {
        return Err(rule);
    }
    let mut i = 0;
    while i < scale.len() {
        if !(scale[i].is_finite() && scale[i] > 0.0) {
            return Err("scale_factor must be finite and > 0 on every axis");
        }
        i += 1;
    }
    Ok(())
}

/// Upsample: `size` and `scale_factor` exclude each other (PyTorch: "only one of size or
/// scale_factor should be defined").
pub const fn upsample_target(has_size: bool, has_scale_factor: bool) -> Verdict {
    if has_size && has_scale_factor {
        Err("only one of size or scale_factor should be defined")
    } else {
        Ok(())
    }
}

/// Upsample: `align_corners` only with an interpolating mode (`bilinear`), as PyTorch.
pub const fn upsample_align_corners(interpolating: bool, align_corners: Option<bool>) -> Verdict {
    if align_corners.is_some() && !interpolating {
        Err("align_corners can only be set with the interpolating mode bilinear")
    } else {
        Ok(())
    }
}

/// Upsample: `recompute_scale_factor = true` needs a `scale_factor`, not a `size` (PyTorch:
/// "recompute_scale_factor is not meaningful with an explicit size").
pub const fn upsample_recompute(has_size: bool, recompute: Option<bool>) -> Verdict {
    if has_size && matches!(recompute, Some(true)) {
        Err("recompute_scale_factor is not meaningful with an explicit size")
    } else {
        Ok(())
    }
}

/// The runtime form: `verdict` as an [`InitError`] of `layer` naming `value`
/// (`"BatchNorm3d: eps must be finite and >= 0, got -1.0"`).
pub(crate) fn check<T: Debug>(layer: &'static str, verdict: Verdict, value: T) -> Result<()> {
    verdict.map_err(|rule| InitError::config(layer, format!("{rule}, got {value:?}")))
}

/// [`check`] naming the value by its `Display` (an enum's PyTorch name).
pub(crate) fn check_shown<T: Display>(
    layer: &'static str,
    verdict: Verdict,
    value: T,
) -> Result<()> {
    verdict.map_err(|rule| InitError::config(layer, format!("{rule}, got {value}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_refuses_its_bad_values() {
        for bad in [-1e-9, f64::NAN, f64::INFINITY] {
            assert!(eps(bad).is_err(), "{bad}");
        }
        assert!(eps(0.0).is_ok());
        for bad in [Some(-0.1), Some(1.5), Some(f64::NAN)] {
            assert!(momentum(bad).is_err(), "{bad:?}");
        }
        assert!(momentum(None).is_ok() && momentum(Some(0.0)).is_ok());
        assert!(prelu_init(f64::NAN).is_err() && prelu_init(-3.0).is_ok());
        assert!(divisor_override(Some(0)).is_err() && divisor_override(Some(1)).is_ok());
        assert!(upsample_size(&[]).is_err() && upsample_size(&[1, 0]).is_err());
        assert!(upsample_size(&[1, 2, 3, 4]).is_err() && upsample_size(&[4, 5, 6]).is_ok());
        assert!(upsample_scale_factor(&[0.0]).is_err());
        assert!(upsample_scale_factor(&[2.0, f64::INFINITY]).is_err());
        assert!(upsample_scale_factor(&[0.5, 2.0]).is_ok());
        assert!(upsample_target(true, true).is_err() && upsample_target(true, false).is_ok());
        assert!(upsample_align_corners(false, Some(false)).is_err());
        assert!(upsample_align_corners(true, Some(true)).is_ok());
        assert!(upsample_recompute(true, Some(true)).is_err());
        assert!(upsample_recompute(true, Some(false)).is_ok());
        let err = check("BatchNorm3d", eps(-1.0), -1.0).unwrap_err();
        assert_eq!(err.to_string(), "BatchNorm3d: eps must be finite and >= 0, got -1.0");
    }
}
