//! Checks that need more than one attribute, or the layer-kind table. One function per
//! rule; every error is collected, so several mistakes show up in one build.
//! (Checks that need a field's type run in the expansion, as `const` evaluations.)

use std::collections::BTreeMap;

use quote::ToTokens;

use crate::ast::{Field, Input};
use crate::attr::{Item, ItemKind, Target};
use crate::ctxt::Ctxt;
use crate::kinds;
use crate::names::{ANY_RANK, Named};
use crate::scheme::Scheme;
use crate::suggest;

pub(crate) fn check(cx: &Ctxt, input: &Input<'_>) {
    check_struct_items_are_rules(cx, input);
    check_kind_rules(cx, input);
    check_no_duplicate_rules(cx, input);
    crate::children::check(cx, input);
    crate::sequential::check(cx, input);
    crate::tie::check(cx, input);
    for field in &input.fields {
        check_skip_has_no_init(cx, field);
        check_field_items_are_targets(cx, field);
        check_field_targets_once(cx, field);
        check_bare_field(cx, field);
        check_layer_attr(cx, field);
    }
}

/// A struct-level item must say which layers it is for.
fn check_struct_items_are_rules(cx: &Ctxt, input: &Input<'_>) {
    for item in &input.attrs.items {
        if let ItemKind::Each { index, .. } = &item.kind {
            cx.error_spanned_by(
                index,
                "`each(i)` goes on a `Vec` or array field, with a path inside each element",
            );
        }
        if let ItemKind::Param { .. } = item.kind {
            cx.error_spanned_by(
                &item.tokens,
                "a struct-level #[init] rule must name a layer kind or a path pattern, e.g. `Conv2d = kaiming_normal` or `\"*.bias\" = zeros`; put a field's own init on the field",
            );
        }
    }
    if let Some(skip) = input.attrs.skip {
        cx.error_at(
            skip,
            "#[module(skip)] belongs on a field that is not a module, not on the struct",
        );
    }
}

/// `Conv2d = ...` names a known kind, parameters it has, of a rank the scheme accepts.
fn check_kind_rules(cx: &Ctxt, input: &Input<'_>) {
    for item in &input.attrs.items {
        let ItemKind::Kind { kind, assigns, .. } = &item.kind else { continue };
        let name = kind.to_string();
        let Some(def) = kinds::find(&name) else {
            let hint = suggest::hint(&name, kinds::KINDS.iter().map(|k| k.name));
            cx.error_spanned_by(kind, format!("unknown layer kind `{name}`{hint}"));
            continue;
        };
        if def.params.is_empty() {
            cx.error_spanned_by(kind, format!("{name} has no parameters to initialize"));
            continue;
        }
        for (target, scheme) in assigns {
            check_kind_param(cx, def, target, scheme);
        }
    }
}

fn check_kind_param(cx: &Ctxt, def: &kinds::Kind, target: &Target, scheme: &Scheme) {
    let param = &target.name;
    let Some(p) = def.param(param) else {
        let names = def.param_names();
        let hint = suggest::hint(param, names.iter().map(String::as_str));
        let msg = format!(
            "{} has no parameter `{param}`; its parameters are: {}{hint}",
            def.name,
            names.join(", ")
        );
        cx.error_at(target.span, msg);
        return;
    };
    let Some(rank) = p.rank else { return };
    let name = scheme.init.scheme();
    let (min, max) = name.ranks();
    if rank < min || rank > max {
        let need = if min == max {
            format!("exactly {min}")
        } else if max == ANY_RANK {
            format!("at least {min}")
        } else {
            format!("{min} to {max}")
        };
        cx.error_at(
            scheme.span,
            format!(
                "{} needs a parameter with {need} dimensions, but {}.{param} has {rank}",
                name.name(),
                def.name
            ),
        );
    }
}

/// The same struct rule twice (same kind and parameter, or the same pattern) contradicts.
fn check_no_duplicate_rules(cx: &Ctxt, input: &Input<'_>) {
    let mut seen: BTreeMap<String, ()> = BTreeMap::new();
    for item in &input.attrs.items {
        let keys: Vec<String> = match &item.kind {
            ItemKind::Kind { kind, assigns, .. } => {
                assigns.iter().map(|(t, _)| format!("{kind}.{}", t.name)).collect()
            }
            ItemKind::Glob { pattern, .. } => vec![format!("\"{}\"", pattern.value())],
            ItemKind::Param { .. } | ItemKind::Each { .. } | ItemKind::Recipe { .. } => continue,
        };
        for key in keys {
            if seen.insert(key.clone(), ()).is_some() {
                cx.error_spanned_by(
                    &item.tokens,
                    format!("contradictory attributes: {key} has two rules"),
                );
            }
        }
    }
}

/// A field that is not a module has nothing to initialize.
fn check_skip_has_no_init(cx: &Ctxt, field: &Field<'_>) {
    if let (Some(_), Some(item)) = (field.attrs.skip, field.attrs.items.first()) {
        cx.error_spanned_by(
            &item.tokens,
            format!("contradictory attributes: field `{}` is #[module(skip)], so it has nothing to initialize", field.name),
        );
    }
}

/// Layer-kind rules and patterns go on the struct.
fn check_field_items_are_targets(cx: &Ctxt, field: &Field<'_>) {
    for item in &field.attrs.items {
        if let ItemKind::Recipe { .. } = item.kind {
            cx.error_spanned_by(
                &item.tokens,
                format!(
                    "field `{}`: a recipe initializes a whole struct: put `recipe = ...` in the struct's #[init(...)] (above `struct`)",
                    field.name
                ),
            );
        } else if !matches!(item.kind, ItemKind::Param { .. } | ItemKind::Each { .. }) {
            cx.error_spanned_by(
                &item.tokens,
                format!(
                    "field `{}`: layer-kind rules and path patterns go on the struct (`#[init(...)]` above `struct`); on a field, write `scheme` or `param = scheme`",
                    field.name
                ),
            );
        }
    }
}

/// Each parameter of a field gets at most one init.
fn check_field_targets_once(cx: &Ctxt, field: &Field<'_>) {
    let mut seen: BTreeMap<String, &Item> = BTreeMap::new();
    for item in &field.attrs.items {
        let ItemKind::Param { target, .. } = &item.kind else { continue };
        let param = &target.name;
        if seen.insert(param.clone(), item).is_some() {
            let shown = item.tokens.to_token_stream();
            cx.error_spanned_by(
                shown,
                format!("contradictory attributes: `{}.{param}` is initialized twice", field.name),
            );
        }
    }
}

/// A bare parameter takes one scheme for itself; a buffer one value (zeros, ones,
/// constant, values); neither is a module to skip, configure or index.
fn check_bare_field(cx: &Ctxt, field: &Field<'_>) {
    let Some(bare) = &field.attrs.bare else { return };
    if field.attrs.skip.is_some() {
        cx.error_at(
            bare.span,
            "contradictory attributes: a #[module(skip)] field is not a parameter",
        );
    }
    for (i, item) in field.attrs.items.iter().enumerate() {
        match &item.kind {
            ItemKind::Param { target, .. } if target.name != "weight" => cx.error_at(
                target.span,
                "a bare parameter or buffer is one tensor: write its scheme alone, `#[init(zeros)]`",
            ),
            ItemKind::Param { .. } if bare.buffer && !crate::bare::buffer_item_ok(item) => {
                cx.error_spanned_by(
                    &item.tokens,
                    "a buffer takes a value, not a random draw: zeros, ones, constant(v) or values = [...]",
                );
            }
            ItemKind::Each { index, .. } => cx.error_spanned_by(
                index,
                "`each(i)` goes on a `Vec` or array field, not on a bare parameter or buffer",
            ),
            _ if i > 0 => cx.error_spanned_by(
                &item.tokens,
                "contradictory attributes: a bare parameter or buffer has one init",
            ),
            _ => {}
        }
    }
}

/// `#[layer(...)]` configures the layer a field holds, or each layer of a container that
/// `new()` builds; a container the user fills is configured by the user.
fn check_layer_attr(cx: &Ctxt, field: &Field<'_>) {
    let Some(layer) = &field.attrs.layer else { return };
    let at = layer.spans.0;
    if field.attrs.bare.is_some() || field.attrs.skip.is_some() {
        cx.error_at(at, "#[layer(...)] configures a layer field, not a bare or skipped one");
    } else if field.attrs.module.filled_later.is_some() {
        cx.error_at(
            at,
            format!(
                "field `{}`: #[layer(...)] settings are applied by new() to the layers it builds, but this field is #[module(filled_later)]: configure the layers you put in it with their builders (`with_eps`, ...)",
                field.name
            ),
        );
    }
}
