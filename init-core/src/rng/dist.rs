//! [`Dist`], the distributions a [`Generator`](super::Generator) fills from, and the rules a
//! `Dist` satisfies by construction.

use crate::check;
use crate::error::{ErrorKind, InitError, Result};

/// `f32::MAX`, the largest finite value a parameter can hold.
const F32_MAX: f64 = f32::MAX as f64;

/// A bound on `|z|` for the standard normals either generator draws (Seed's Box–Muller stops
/// at 6.67, TorchGenerator's double Box–Muller at `√(106 ln 2) ≈ 8.57`), with room to spare:
/// `|mean| + NORMAL_REACH * std <= f32::MAX` keeps every value finite.
const NORMAL_REACH: f64 = 10.0;

/// A distribution that a [`Generator`](super::Generator) can fill a buffer from.
///
/// Only the constructors [`Dist::uniform`], [`Dist::normal`] and [`Dist::trunc_normal`] make
/// one (the variants are `#[non_exhaustive]`), and they check the arguments, so a generator
/// never sees a NaN bound, `a > b`, a negative `std`, or a distribution whose values would
/// overflow `f32`. The fields can be read by matching (`Dist::Normal { mean, std, .. }`), as a
/// generator of your own does.
///
/// ```
/// use init_core::Dist;
/// let d = Dist::trunc_normal(0.0, 0.02, -2.0, 2.0)?;
/// assert!(matches!(d, Dist::TruncNormal { std, .. } if std == 0.02));
/// let err = Dist::trunc_normal(0.0, 1.0, 2.0, -2.0).unwrap_err();
/// assert_eq!(err.to_string(), "Dist::trunc_normal: needs a <= b, got a = 2.0 > b = -2.0");
/// # Ok::<(), init_core::InitError>(())
/// ```
///
/// A `Dist` written out by hand does not compile (`a > b` here made `TorchGenerator::fill`
/// panic when it could):
///
/// ```compile_fail,E0639
/// let d = init_core::Dist::TruncNormal { mean: 0.0, std: 1.0, a: 2.0, b: 1.0 };
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Dist {
    /// Uniform on `[low, high)`; `low == high` gives all `low`.
    #[non_exhaustive]
    Uniform {
        /// Lower bound (inclusive).
        low: f64,
        /// Upper bound (exclusive).
        high: f64,
    },
    /// Normal with mean `mean` and standard deviation `std >= 0`.
    #[non_exhaustive]
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        std: f64,
    },
    /// Normal `N(mean, std²)` conditioned on `[a, b]` (absolute bounds, as PyTorch's
    /// `trunc_normal_`), `a < b`, `std > 0`.
    #[non_exhaustive]
    TruncNormal {
        /// Mean of the untruncated normal.
        mean: f64,
        /// Standard deviation of the untruncated normal.
        std: f64,
        /// Lower bound.
        a: f64,
        /// Upper bound.
        b: f64,
    },
}

impl Dist {
    /// `N(0, 1)`.
    ///
    /// ```
    /// use init_core::Dist;
    /// assert_eq!(Dist::STANDARD_NORMAL, Dist::normal(0.0, 1.0)?);
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub const STANDARD_NORMAL: Dist = Dist::Normal { mean: 0.0, std: 1.0 };

    /// Uniform on `[low, high)`.
    ///
    /// Errors: a bound that is not a finite `f32`, `low > high`, or `high - low` above
    /// `f32::MAX` (PyTorch's `uniform_` refuses it too: the width overflows).
    ///
    /// ```
    /// use init_core::Dist;
    /// assert!(Dist::uniform(-1.0, 1.0).is_ok());
    /// let err = Dist::uniform(-3e38, 3e38).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "Dist::uniform: high - low = 6e38 is larger than 3.4028234663852886e38: values would overflow f32"
    /// );
    /// ```
    pub fn uniform(low: f64, high: f64) -> Result<Dist> {
        Dist::checked_uniform("", "Dist::uniform", ("low", low), ("high", high))
    }

    /// Normal with mean `mean` and standard deviation `std` (`std = 0` gives all `mean`).
    ///
    /// Errors: `mean` not a finite `f32`, `std` negative or not finite, or
    /// `|mean| + 10 * std` above `f32::MAX` (10σ is beyond every draw of either generator, so
    /// this is what keeps every value finite).
    ///
    /// ```
    /// use init_core::Dist;
    /// assert!(Dist::normal(0.0, 0.02).is_ok());
    /// let err = Dist::normal(0.0, 1e38).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "Dist::normal: std = 1e38 is larger than 3.4028234663852886e37: values would overflow f32"
    /// );
    /// ```
    pub fn normal(mean: f64, std: f64) -> Result<Dist> {
        Dist::checked_normal("", "Dist::normal", ("mean", mean), ("std", std))
    }

    /// `N(mean, std²)` conditioned on `[a, b]`.
    ///
    /// Errors: an argument that is not a finite `f32`, `std <= 0`, `a >= b`, or `b - a` above
    /// `f32::MAX`.
    ///
    /// ```
    /// use init_core::Dist;
    /// let err = Dist::trunc_normal(0.0, 1.0, f64::NAN, 2.0).unwrap_err();
    /// assert_eq!(err.to_string(), "Dist::trunc_normal: argument `a` must be finite, got NaN");
    /// let err = Dist::trunc_normal(0.0, 0.0, -2.0, 2.0).unwrap_err();
    /// assert_eq!(err.to_string(), "Dist::trunc_normal: argument `std` must be > 0, got 0.0");
    /// ```
    pub fn trunc_normal(mean: f64, std: f64, a: f64, b: f64) -> Result<Dist> {
        Dist::checked_trunc_normal("", "Dist::trunc_normal", mean, std, a, b)
    }

    /// [`Dist::uniform`] with the errors of the parameter at `path`, in `scheme`'s words.
    pub(crate) fn checked_uniform(
        path: &str,
        scheme: &'static str,
        (lo_name, low): (&'static str, f64),
        (hi_name, high): (&'static str, f64),
    ) -> Result<Dist> {
        check::finite_f32(path, scheme, lo_name, low)?;
        check::finite_f32(path, scheme, hi_name, high)?;
        check::ordered(path, scheme, (lo_name, low), (hi_name, high))?;
        width(path, scheme, (lo_name, low), (hi_name, high))?;
        Ok(Dist::Uniform { low, high })
    }

    /// [`Dist::normal`] with the errors of the parameter at `path`, in `scheme`'s words.
    pub(crate) fn checked_normal(
        path: &str,
        scheme: &'static str,
        (mean_name, mean): (&'static str, f64),
        (std_name, std): (&'static str, f64),
    ) -> Result<Dist> {
        check::finite_f32(path, scheme, mean_name, mean)?;
        check::non_negative(path, scheme, std_name, std)?;
        overflow(path, scheme, std_name, std, normal_std_limit(mean))?;
        Ok(Dist::Normal { mean, std })
    }

    /// [`Dist::trunc_normal`] with the errors of the parameter at `path`, in `scheme`'s words.
    pub(crate) fn checked_trunc_normal(
        path: &str,
        scheme: &'static str,
        mean: f64,
        std: f64,
        a: f64,
        b: f64,
    ) -> Result<Dist> {
        check::finite_f32(path, scheme, "mean", mean)?;
        check::positive(path, scheme, "std", std)?;
        check::finite_f32(path, scheme, "std", std)?;
        check::finite_f32(path, scheme, "a", a)?;
        check::finite_f32(path, scheme, "b", b)?;
        check::ordered(path, scheme, ("a", a), ("b", b))?;
        check::finite_and(path, scheme, "b", b, "> a", |b| b > a)?;
        width(path, scheme, ("a", a), ("b", b))?;
        Ok(Dist::TruncNormal { mean, std, a, b })
    }
}

/// The largest `std` for which `N(mean, std²)` writes only finite `f32` values.
fn normal_std_limit(mean: f64) -> f64 {
    (F32_MAX - mean.abs()) / NORMAL_REACH
}

/// The largest `bound` of `Uniform { low: -bound, high: bound }` (width `2·bound`).
pub(crate) const UNIFORM_BOUND_LIMIT: f64 = F32_MAX / 2.0;

/// The largest `std` of `TruncNormal { std, a: -2·std, b: 2·std }` (width `4·std`).
pub(crate) const TRUNC_2SIGMA_STD_LIMIT: f64 = F32_MAX / 4.0;

/// `value` (the quantity `what`) must be at most `limit`, else its values would overflow `f32`.
pub(crate) fn overflow(
    path: &str,
    scheme: &'static str,
    what: &str,
    value: f64,
    limit: f64,
) -> Result<()> {
    if value <= limit {
        return Ok(());
    }
    let kind = ErrorKind::Overflow { scheme, what: what.to_owned(), value, limit };
    Err(InitError::new(path, kind))
}

/// The width `hi - lo` of `f32` bounds must be a finite `f32`, computed from the bounds and
/// from their `f32` roundings, as the generators compute it (the error shows the first that
/// is too large).
fn width(
    path: &str,
    scheme: &'static str,
    (lo_name, lo): (&'static str, f64),
    (hi_name, hi): (&'static str, f64),
) -> Result<()> {
    let rounded = f64::from(hi as f32) - f64::from(lo as f32);
    let width = if hi - lo > F32_MAX { hi - lo } else { rounded };
    overflow(path, scheme, &format!("{hi_name} - {lo_name}"), width, F32_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructors_refuse_what_a_generator_cannot_fill() {
        let msg = |r: Result<Dist>| r.unwrap_err().to_string();
        assert_eq!(
            msg(Dist::uniform(1.0, 0.0)),
            "Dist::uniform: needs low <= high, got low = 1.0 > high = 0.0"
        );
        assert_eq!(
            msg(Dist::uniform(f64::NEG_INFINITY, 0.0)),
            "Dist::uniform: argument `low` must be finite, got -inf"
        );
        assert_eq!(
            msg(Dist::uniform(0.0, 1e39)),
            "Dist::uniform: argument `high` must be within the range of f32, got 1e39"
        );
        assert_eq!(
            msg(Dist::normal(0.0, -1.0)),
            "Dist::normal: argument `std` must be >= 0, got -1.0"
        );
        assert_eq!(
            msg(Dist::normal(3e38, 1e37)),
            "Dist::normal: std = 1e37 is larger than 4.028234663852885e36: values would overflow f32"
        );
        assert_eq!(
            msg(Dist::trunc_normal(0.0, 1.0, 1.0, 1.0)),
            "Dist::trunc_normal: argument `b` must be > a, got 1.0"
        );
        assert_eq!(
            msg(Dist::trunc_normal(0.0, 1e39, -1.0, 1.0)),
            "Dist::trunc_normal: argument `std` must be within the range of f32, got 1e39"
        );
        assert_eq!(
            msg(Dist::trunc_normal(0.0, 1.0, -2e38, 2e38)),
            "Dist::trunc_normal: b - a = 4e38 is larger than 3.4028234663852886e38: values would overflow f32"
        );
    }

    #[test]
    fn limits_are_where_f32_overflows() {
        // At the limits the extreme values are finite in f32, computed as the generators do.
        let s = normal_std_limit(0.0);
        assert!((8.6 * s) as f32 <= f32::MAX);
        assert!((2.0 * UNIFORM_BOUND_LIMIT as f32).is_finite());
        assert!((4.0 * TRUNC_2SIGMA_STD_LIMIT as f32).is_finite());
        assert!(Dist::normal(0.0, s).is_ok());
        assert!(Dist::uniform(-f64::from(f32::MAX) / 2.0, f64::from(f32::MAX) / 2.0).is_ok());
    }
}
