//! Math usable in `const` evaluation, for attribute expressions such as
//! `std = 0.02 / sqrt(2.0 * N_LAYER as f64)`: the derive brings these names into scope around
//! every expression it writes, so a bare `sqrt(...)` needs no import.
//!
//! [`sqrt`] is correctly rounded (IEEE 754 round-to-nearest-even), so it equals
//! `f64::sqrt` bit for bit; the tests compare the two on many millions of inputs.

/// The square root of `x`, correctly rounded: `sqrt(x) == x.sqrt()` bit for bit, for every
/// `f64` (NaN for negative `x` and NaN, `-0.0` for `-0.0`).
///
/// ```
/// use init_core::spec::math::sqrt;
/// const STD: f64 = 0.02 / sqrt(2.0 * 12.0);
/// assert_eq!(STD, 0.02 / 24f64.sqrt());
/// ```
pub const fn sqrt(x: f64) -> f64 {
    if x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 || x.is_infinite() {
        return x;
    }
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i64;
    let fraction = bits & ((1 << 52) - 1);
    // x = mant · 2^e with mant a 53-bit integer (bit 52 set).
    let (mut mant, mut e) = if biased == 0 {
        let shift = fraction.leading_zeros() as i64 - 11;
        (fraction << shift, 1 - 1075 - shift)
    } else {
        (fraction | (1 << 52), biased - 1075)
    };
    if e & 1 != 0 {
        mant <<= 1;
        e -= 1;
    }
    // sqrt(mant · 2^54) lies in [2^53, 2^54): 53 result bits and one rounding bit.
    let n = (mant as u128) << 54;
    let r = n.isqrt();
    let exact = r * r == n;
    let mut q = (r >> 1) as u64;
    let round = r & 1 == 1;
    if round && (!exact || q & 1 == 1) {
        q += 1;
    }
    // sqrt(x) = q · 2^(e/2 − 26); q may have carried to 2^53.
    let mut scale = e / 2 - 26;
    if q == 1 << 53 {
        q >>= 1;
        scale += 1;
    }
    f64::from_bits((((scale + 1075) as u64) << 52) | (q & ((1 << 52) - 1)))
}

/// `x` raised to the integer power `n`, by repeated squaring (the usual `powi`; like
/// `f64::powi`, not correctly rounded for large `n`, and exact for small integers).
///
/// ```
/// use init_core::spec::math::powi;
/// const V: f64 = powi(2.0, 10);
/// assert_eq!(V, 1024.0);
/// assert_eq!(powi(2.0, -2), 0.25);
/// ```
pub const fn powi(x: f64, n: i32) -> f64 {
    let mut base = x;
    let mut k = n.unsigned_abs();
    let mut acc = 1.0;
    while k > 0 {
        if k & 1 == 1 {
            acc *= base;
        }
        base *= base;
        k >>= 1;
    }
    if n < 0 { 1.0 / acc } else { acc }
}

/// `|x|`.
///
/// ```
/// assert_eq!(init_core::spec::math::abs(-0.5), 0.5);
/// ```
pub const fn abs(x: f64) -> f64 {
    f64::from_bits(x.to_bits() & !(1 << 63))
}

/// The smaller of `a` and `b` (the other one when one is NaN, as `f64::min`).
///
/// ```
/// assert_eq!(init_core::spec::math::min(0.5, 2.0), 0.5);
/// ```
pub const fn min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b < a { b } else { a }
}

/// The larger of `a` and `b` (the other one when one is NaN, as `f64::max`).
///
/// ```
/// assert_eq!(init_core::spec::math::max(0.5, 2.0), 2.0);
/// ```
pub const fn max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b > a { b } else { a }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(x: f64) {
        let (ours, std) = (sqrt(x), x.sqrt());
        assert!(
            ours.to_bits() == std.to_bits() || (ours.is_nan() && std.is_nan()),
            "sqrt({x:e}) = {ours:e}, std gives {std:e}"
        );
    }

    #[test]
    fn sqrt_equals_std_on_special_values() {
        let specials = [
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -1.0,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::EPSILON,
            f64::from_bits(1),
            f64::from_bits((1 << 52) - 1),
            2.0,
            24.0,
            0.25,
        ];
        for x in specials {
            same(x);
        }
        // Perfect squares and their neighbours, where rounding is decided by one bit.
        for i in 1..200_000u64 {
            let sq = (i * i) as f64;
            same(sq);
            same(f64::from_bits(sq.to_bits() + 1));
            same(f64::from_bits(sq.to_bits() - 1));
        }
    }

    #[test]
    fn sqrt_equals_std_on_every_exponent_and_random_bits() {
        // Every exponent (subnormals included), with pseudo-random significands.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for biased in 0..2047u64 {
            for _ in 0..1_000 {
                let fraction = next() & ((1 << 52) - 1);
                same(f64::from_bits((biased << 52) | fraction));
            }
        }
        for _ in 0..3_000_000 {
            same(f64::from_bits(next() & !(1 << 63)));
        }
    }

    #[test]
    fn powi_abs_min_max() {
        assert_eq!(powi(3.0, 0), 1.0);
        assert_eq!(powi(3.0, 3), 27.0);
        assert_eq!(powi(0.5, -3), 8.0);
        assert_eq!(abs(-0.0).to_bits(), 0.0f64.to_bits());
        assert_eq!(min(f64::NAN, 1.0), 1.0);
        assert_eq!(max(1.0, f64::NAN), 1.0);
        assert_eq!(max(-1.0, 3.0), 3.0);
    }
}
