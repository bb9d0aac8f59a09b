//! Argument and shape rules shared by the schemes and the distributions (`rng::Dist`). Each
//! returns the error that names the rule.

use crate::error::{ErrorKind, InitError, Result};

/// `value` must be finite.
pub(crate) fn finite(
    path: &str,
    scheme: &'static str,
    arg: &'static str,
    value: f64,
) -> Result<()> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(InitError::new(path, ErrorKind::NonFinite { scheme, arg, value }))
    }
}

/// `value` must be finite and representable as a finite `f32` (it will be written into one).
pub(crate) fn finite_f32(
    path: &str,
    scheme: &'static str,
    arg: &'static str,
    value: f64,
) -> Result<()> {
    finite_and(path, scheme, arg, value, "within the range of f32", |v| {
        v.abs() <= f64::from(f32::MAX)
    })
}

/// `value` must be finite and satisfy `ok`; `rule` says what `ok` checks, in words.
pub(crate) fn finite_and(
    path: &str,
    scheme: &'static str,
    arg: &'static str,
    value: f64,
    rule: &'static str,
    ok: impl FnOnce(f64) -> bool,
) -> Result<()> {
    finite(path, scheme, arg, value)?;
    if ok(value) {
        Ok(())
    } else {
        Err(InitError::new(path, ErrorKind::OutOfRange { scheme, arg, rule, value }))
    }
}

/// `value` must be `>= 0` (and finite).
pub(crate) fn non_negative(
    path: &str,
    scheme: &'static str,
    arg: &'static str,
    value: f64,
) -> Result<()> {
    finite_and(path, scheme, arg, value, ">= 0", |v| v >= 0.0)
}

/// `value` must be `> 0` (and finite).
pub(crate) fn positive(
    path: &str,
    scheme: &'static str,
    arg: &'static str,
    value: f64,
) -> Result<()> {
    finite_and(path, scheme, arg, value, "> 0", |v| v > 0.0)
}

/// `lo <= hi`.
pub(crate) fn ordered(
    path: &str,
    scheme: &'static str,
    (lo_name, lo): (&'static str, f64),
    (hi_name, hi): (&'static str, f64),
) -> Result<()> {
    if lo > hi {
        return Err(InitError::new(
            path,
            ErrorKind::InvalidRange { scheme, lo_name, lo, hi_name, hi },
        ));
    }
    Ok(())
}

/// The parameter's rank must satisfy `ok`; `expected` says what it needs in words.
pub(crate) fn rank(
    path: &str,
    shape: &[usize],
    scheme: &'static str,
    expected: &'static str,
    ok: impl FnOnce(usize) -> bool,
) -> Result<()> {
    if ok(shape.len()) {
        Ok(())
    } else {
        Err(InitError::new(path, ErrorKind::Rank { scheme, expected, shape: shape.to_vec() }))
    }
}
