//! The compile-time checks `#[derive(Module)]` emits, as `const fn`s that panic with a
//! message naming the field, the parameter and the rule (the panic becomes the compile
//! error, placed on the attribute).

use super::ParamTable;
use super::message::{Msg, str_eq};

/// The field's layer must have parameters at all.
pub const fn check_has_params(table: &ParamTable, ty: &str, field: &str) {
    if table.is_empty() {
        Msg::new()
            .str("field `")
            .str(field)
            .str("`: ")
            .str(ty)
            .str(" has no parameters to initialize")
            .fail();
    }
}

/// `param` must exist on the field's layer, have a rank in `min_rank..=max_rank` (the
/// requirement of `scheme`), and, for `values`, fit `values` by numpy broadcasting.
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
) {
    check_has_params(table, ty, field);
    let Some(spec) = table.find(param) else {
        if table.is_truncated() {
            return;
        }
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
        m.fail();
    };
    let shape = spec.shape();
    if shape.len() < min_rank || shape.len() > max_rank {
        let mut m = Msg::new()
            .str("field `")
            .str(field)
            .str("`: ")
            .str(scheme)
            .str(" needs a parameter with ");
        m = if min_rank == max_rank {
            m.str("exactly ").num(min_rank)
        } else if max_rank == usize::MAX {
            m.str("at least ").num(min_rank)
        } else {
            m.num(min_rank).str(" to ").num(max_rank)
        };
        m.str(" dimensions, but ")
            .str(field)
            .str(".")
            .str(param)
            .str(" has shape ")
            .shape(shape)
            .fail();
    }
    if let Some(v) = values {
        if !broadcasts(v, shape) {
            Msg::new()
                .str("field `")
                .str(field)
                .str("`: values of shape ")
                .shape(v)
                .str(" cannot be broadcast to ")
                .str(field)
                .str(".")
                .str(param)
                .str(" of shape ")
                .shape(shape)
                .fail();
        }
    }
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
