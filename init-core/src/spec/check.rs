//! The compile-time checks `#[derive(Module)]` emits. Each is a `const fn` returning a
//! [`Msg`]: empty when the check passes, else the message naming the field, the parameter
//! and the rule. The derive panics with that message in a `const` item placed on the
//! user's attribute, so the panic is a compile error there.

use super::ParamTable;
use super::message::{Msg, str_eq};

/// The verdict on a field's layer configuration ([`LayerSpec::CONFIG`](super::LayerSpec::CONFIG)),
/// naming the field.
///
/// ```
/// use init_core::Conv2d;
/// use init_core::spec::{LayerSpec, check_config};
/// let verdict = check_config(&<Conv2d<3, 8, 3, 1, 0, 1, 2> as LayerSpec>::CONFIG, "conv1");
/// assert_eq!(
///     verdict.message(),
///     Some("field `conv1`: Conv2d: in_channels = 3 is not divisible by groups = 2")
/// );
/// ```
pub const fn check_config(config: &Msg, field: &str) -> Msg {
    match config.message() {
        Some(rule) => Msg::new().str("field `").str(field).str("`: ").str(rule),
        None => Msg::new(),
    }
}

/// The field's layer must have parameters at all.
pub const fn check_has_params(table: &ParamTable, ty: &str, field: &str) -> Msg {
    if !table.is_empty() {
        return Msg::new();
    }
    Msg::new().str("field `").str(field).str("`: ").str(ty).str(" has no parameters to initialize")
}

/// `param` must exist on the field's layer, have a rank in `min_rank..=max_rank` (the
/// requirement of `scheme`), and, for `values`, fit `values` by numpy broadcasting.
///
/// ```
/// use init_core::Linear;
/// use init_core::spec::{LayerSpec, check_param};
/// let table = <Linear<3, 10> as LayerSpec>::PARAMS;
/// assert!(check_param(&table, "Linear<3, 10>", "fc", "weight", "values", 0, usize::MAX, Some(&[3])).message().is_none());
/// let verdict = check_param(&table, "Linear<3, 10>", "fc", "bias", "eye", 2, 2, None);
/// assert_eq!(
///     verdict.message(),
///     Some("field `fc`: eye needs a parameter with exactly 2 dimensions, but fc.bias has shape [10]")
/// );
/// ```
#[allow(clippy::too_many_arguments)]
pub const fn check_param(
    table: &ParamTable,
    ty: &str,
    field: &str,
    param: &str,
    scheme: &str,
    min_rank: usize,
    max_rank: usize,
    values: Option<&[usize]>,
) -> Msg {
    let verdict = check_has_params(table, ty, field);
    if verdict.message().is_some() {
        return verdict;
    }
    let Some(spec) = table.find(param) else {
        if table.is_truncated() {
            return Msg::new();
        }
        return unknown_param(table, ty, field, param);
    };
    fits(spec.shape(), field, field, param, scheme, min_rank, max_rank, values)
}

/// The rank and `values` rules for a parameter of `shape` shown as `owner.param` (or
/// `owner` alone when `param` is empty), in errors about `field`.
#[allow(clippy::too_many_arguments)]
pub(crate) const fn fits(
    shape: &[usize],
    field: &str,
    owner: &str,
    param: &str,
    scheme: &str,
    min_rank: usize,
    max_rank: usize,
    values: Option<&[usize]>,
) -> Msg {
    if shape.len() < min_rank || shape.len() > max_rank {
        let m = Msg::new()
            .str("field `")
            .str(field)
            .str("`: ")
            .str(scheme)
            .str(" needs a parameter with ");
        let m = if min_rank == max_rank {
            m.str("exactly ").num(min_rank)
        } else if max_rank == usize::MAX {
            m.str("at least ").num(min_rank)
        } else {
            m.num(min_rank).str(" to ").num(max_rank)
        };
        return path(m.str(" dimensions, but "), owner, param).str(" has shape ").shape(shape);
    }
    match values {
        Some(v) if !broadcasts(v, shape) => {
            let m = Msg::new().str("field `").str(field).str("`: values of shape ").shape(v);
            path(m.str(" cannot be broadcast to "), owner, param).str(" of shape ").shape(shape)
        }
        _ => Msg::new(),
    }
}

/// `owner.param`, or `owner` when `param` is empty.
const fn path(m: Msg, owner: &str, param: &str) -> Msg {
    if param.is_empty() { m.str(owner) } else { m.str(owner).str(".").str(param) }
}

/// "has no parameter `x`; its parameters are: ..."
const fn unknown_param(table: &ParamTable, ty: &str, field: &str, param: &str) -> Msg {
    let mut m = Msg::new().str("field `").str(field).str("`: ").str(ty);
    m = if str_eq(param, "bias") {
        m.str(" has no `bias` (it is built without one)")
    } else {
        m.str(" has no parameter `").str(param).str("`")
    };
    m = m.str("; its parameters are: ");
    let mut i = 0;
    while let Some(s) = table.get(i) {
        if i > 0 {
            m = m.str(", ");
        }
        m = m.str(s.name());
        i += 1;
    }
    m
}

/// numpy broadcasting of `values` to `target`: no more dimensions, and each trailing
/// dimension equal or 1.
const fn broadcasts(values: &[usize], target: &[usize]) -> bool {
    if values.len() > target.len() {
        return false;
    }
    let lead = target.len() - values.len();
    let mut i = 0;
    while i < values.len() {
        if values[i] != target[lead + i] && values[i] != 1 {
            return false;
        }
        i += 1;
    }
    true
}
