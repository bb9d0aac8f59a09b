//! The compile-time check of `#[module(tie(param = path))]`.

use super::ParamTable;
use super::check::check_param;
use super::message::{Msg, shapes_eq};

/// The tied field's layer has `param`, and when the target is a layer field's own parameter
/// (`target` is that layer's table), the target exists and has `param`'s shape.
///
/// ```
/// use init_core::{Embedding, Linear};
/// use init_core::spec::{LayerSpec, check_tie};
/// let head = <Linear<3, 5, false> as LayerSpec>::PARAMS;
/// let wte = <Embedding<6, 3> as LayerSpec>::PARAMS;
/// let verdict = check_tie(&head, "Linear<3, 5, false>", "lm_head", "weight", Some(&wte), "wte.weight", "weight");
/// assert_eq!(
///     verdict.message(),
///     Some("field `lm_head`: lm_head.weight of shape [5, 3] cannot be tied to wte.weight of shape [6, 3]")
/// );
/// ```
pub const fn check_tie(
    table: &ParamTable,
    ty: &str,
    field: &str,
    param: &str,
    target: Option<&ParamTable>,
    target_path: &str,
    target_param: &str,
) -> Msg {
    let own = check_param(table, ty, field, param, "tie", 0, usize::MAX, None);
    if own.message().is_some() {
        return own;
    }
    let (Some(target), Some(spec)) = (target, table.find(param)) else { return Msg::new() };
    let Some(other) = target.find(target_param) else {
        if target.is_truncated() {
            return Msg::new();
        }
        return Msg::new()
            .str("field `")
            .str(field)
            .str("`: ")
            .str(target_path)
            .str(" is not a parameter (the layer's parameters are: ")
            .names(target)
            .str(")");
    };
    if shapes_eq(spec.shape(), other.shape()) {
        return Msg::new();
    }
    Msg::new()
        .str("field `")
        .str(field)
        .str("`: ")
        .str(field)
        .str(".")
        .str(param)
        .str(" of shape ")
        .shape(spec.shape())
        .str(" cannot be tied to ")
        .str(target_path)
        .str(" of shape ")
        .shape(other.shape())
}
