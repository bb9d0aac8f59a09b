//! The compile-time verdict on a scheme's arguments when they are written as constant
//! expressions (`std = 0.02 / sqrt(2.0 * N_LAYER as f64)`): the same rules, in the same
//! words, as the derive applies to literals and the runtime to every `Init`.

use super::message::{Msg, str_eq};

/// The value of argument `name` in `args`.
const fn get(args: &[(&str, f64)], name: &str) -> Option<f64> {
    let mut i = 0;
    while i < args.len() {
        if str_eq(args[i].0, name) {
            return Some(args[i].1);
        }
        i += 1;
    }
    None
}

/// `field `f`: scheme: argument `arg` must be <rule>`.
const fn broken(field: &str, scheme: &str, arg: &str, rule: &str) -> Msg {
    Msg::new()
        .str("field `")
        .str(field)
        .str("`: ")
        .str(scheme)
        .str(": argument `")
        .str(arg)
        .str("` must be ")
        .str(rule)
}

/// The verdict on the arguments of `scheme` (all of its float arguments, by name, with
/// their values): every one finite, and the scheme's own rules (`std >= 0`, `a <= b`,
/// `sparsity` in [0, 1), `scale > 0`).
///
/// ```
/// use init_core::spec::check_args;
/// assert!(check_args("fc", "normal", &[("mean", 0.0), ("std", 0.02)]).message().is_none());
/// assert_eq!(
///     check_args("fc", "normal", &[("mean", 0.0), ("std", -0.5)]).message(),
///     Some("field `fc`: normal: argument `std` must be >= 0 (the expression's value is negative)")
/// );
/// ```
pub const fn check_args(field: &str, scheme: &str, args: &[(&str, f64)]) -> Msg {
    let mut i = 0;
    while i < args.len() {
        if !args[i].1.is_finite() {
            return broken(field, scheme, args[i].0, "finite (the expression's value is not)");
        }
        i += 1;
    }
    if let Some(std) = get(args, "std")
        && std < 0.0
    {
        return broken(field, scheme, "std", ">= 0 (the expression's value is negative)");
    }
    if let (Some(a), Some(b)) = (get(args, "a"), get(args, "b"))
        && a > b
        && !str_eq(scheme, "kaiming_uniform")
        && !str_eq(scheme, "kaiming_normal")
    {
        return Msg::new()
            .str("field `")
            .str(field)
            .str("`: ")
            .str(scheme)
            .str(": needs a <= b (the expressions give a > b)");
    }
    if let Some(s) = get(args, "sparsity")
        && (s.is_nan() || s < 0.0 || s >= 1.0)
    {
        return broken(field, scheme, "sparsity", "in [0, 1) (the expression's value is not)");
    }
    if let Some(scale) = get(args, "scale")
        && scale <= 0.0
    {
        return broken(field, scheme, "scale", "> 0 (the expression's value is not)");
    }
    Msg::new()
}
