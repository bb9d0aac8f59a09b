//! The struct as the derive sees it: fields with their shapes (plain, `Option`, `Box`) and
//! their parsed attributes, borrowing from the input.

use proc_macro2::Span;
use quote::ToTokens;
use syn::{Data, DeriveInput, GenericArgument, Member, PathArguments, Type};

use crate::attr::{self, Attrs};
use crate::ctxt::Ctxt;

pub(crate) struct Input<'a> {
    pub(crate) original: &'a DeriveInput,
    pub(crate) attrs: Attrs,
    pub(crate) fields: Vec<Field<'a>>,
}

pub(crate) struct Field<'a> {
    pub(crate) member: Member,
    /// The child's name in paths: the field name, or its index in a tuple struct.
    pub(crate) name: String,
    pub(crate) ty: &'a Type,
    pub(crate) shape: Shape<'a>,
    pub(crate) attrs: Attrs,
}

/// How a field holds its module.
pub(crate) enum Shape<'a> {
    /// The field is the module (a layer, a derived struct, a `Vec` or array of modules).
    Plain,
    /// `Option<M>`: a child only when `Some`.
    Optional(&'a Type),
    /// `Box<M>`.
    Boxed(&'a Type),
}

impl<'a> Field<'a> {
    /// The module type itself (`M` of `Option<M>`/`Box<M>`).
    pub(crate) fn module_ty(&self) -> &'a Type {
        match self.shape {
            Shape::Plain => self.ty,
            Shape::Optional(inner) | Shape::Boxed(inner) => inner,
        }
    }

    /// Whether it is `Box<dyn ...>` (no `Zeroed`, so no `zeroed()`/`new()` for the struct).
    pub(crate) fn is_boxed_dyn(&self) -> bool {
        matches!(self.shape, Shape::Boxed(Type::TraitObject(_)))
    }

    pub(crate) fn span(&self) -> Span {
        syn::spanned::Spanned::span(self.ty)
    }
}

impl<'a> Input<'a> {
    /// Read a struct; enums and unions are an error on their keyword.
    pub(crate) fn from_syn(cx: &Ctxt, input: &'a DeriveInput) -> Option<Self> {
        let data = match &input.data {
            Data::Struct(data) => data,
            Data::Enum(e) => {
                cx.error_spanned_by(
                    e.enum_token,
                    "Module can only be derived for structs, not enums",
                );
                return None;
            }
            Data::Union(u) => {
                cx.error_spanned_by(
                    u.union_token,
                    "Module can only be derived for structs, not unions",
                );
                return None;
            }
        };
        let fields = data
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let member =
                    f.ident.clone().map_or_else(|| Member::Unnamed(i.into()), Member::Named);
                let name = f.ident.as_ref().map_or_else(|| i.to_string(), ToString::to_string);
                // Errors in a field's attributes name the field.
                cx.scope(&name);
                let attrs = attr::get(cx, &f.attrs);
                cx.unscope();
                Field { member, name, ty: &f.ty, shape: shape(&f.ty), attrs }
            })
            .collect();
        Some(Input { original: input, attrs: attr::get(cx, &input.attrs), fields })
    }

    /// The struct's name as written.
    pub(crate) fn name(&self) -> String {
        self.original.ident.to_string()
    }
}

/// `Option<T>` / `Box<T>` (bare or through `std`/`core`/`alloc` paths).
fn shape(ty: &Type) -> Shape<'_> {
    let Type::Path(tp) = ty else { return Shape::Plain };
    if tp.qself.is_some() {
        return Shape::Plain;
    }
    let segments: Vec<String> = tp.path.segments.iter().map(|s| s.ident.to_string()).collect();
    let std_path = match segments.as_slice() {
        [_] => true,
        [root, module, _] => {
            matches!(root.as_str(), "std" | "core" | "alloc")
                && matches!(module.as_str(), "option" | "boxed")
        }
        _ => false,
    };
    let Some(last) = tp.path.segments.last() else { return Shape::Plain };
    let PathArguments::AngleBracketed(args) = &last.arguments else { return Shape::Plain };
    let inner = match args.args.first() {
        Some(GenericArgument::Type(t)) if args.args.len() == 1 => t,
        _ => return Shape::Plain,
    };
    match last.ident.to_string().as_str() {
        "Option" if std_path => Shape::Optional(inner),
        "Box" if std_path => Shape::Boxed(inner),
        _ => Shape::Plain,
    }
}

/// The layer inside arrays and `Vec`s (`Conv2d<..>` of `[Conv2d<..>; 4]`), whose
/// configuration a field's check verifies.
pub(crate) fn layer_ty(ty: &Type) -> &Type {
    match ty {
        Type::Array(array) => layer_ty(&array.elem),
        Type::Paren(inner) => layer_ty(&inner.elem),
        Type::Path(tp) if tp.qself.is_none() => {
            let segments: Vec<String> =
                tp.path.segments.iter().map(|s| s.ident.to_string()).collect();
            let is_vec = match segments.iter().map(String::as_str).collect::<Vec<_>>()[..] {
                ["Vec"] => true,
                [root, "vec", "Vec"] => matches!(root, "std" | "alloc"),
                _ => false,
            };
            match tp.path.segments.last().map(|s| &s.arguments) {
                Some(PathArguments::AngleBracketed(args)) if is_vec && args.args.len() == 1 => {
                    match args.args.first() {
                        Some(GenericArgument::Type(inner)) => layer_ty(inner),
                        _ => ty,
                    }
                }
                _ => ty,
            }
        }
        _ => ty,
    }
}

/// The spans of the first and last token of `ty`, to underline all of it.
pub(crate) fn first_and_last(ty: &Type) -> (Span, Span) {
    let mut tokens = ty.to_token_stream().into_iter();
    let first = tokens.next().map_or_else(Span::call_site, |t| t.span());
    let last = tokens.last().map_or(first, |t| t.span());
    (first, last)
}

/// The type as the user wrote it, without the spaces `quote` puts between tokens
/// (`Conv2d<1, 3, 3>`), for messages.
pub(crate) fn type_text(ty: &Type) -> String {
    let raw = ty.to_token_stream().to_string();
    let glued =
        [(" :: ", "::"), (":: ", "::"), (" < ", "<"), ("< ", "<"), (" >", ">"), (" ,", ",")];
    let glued = glued.iter().chain(&[
        ("[ ", "["),
        (" ]", "]"),
        (" ;", ";"),
        ("& ", "&"),
        ("( ", "("),
        (" )", ")"),
    ]);
    glued.fold(raw, |text, (from, to)| text.replace(from, to))
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn type_text_reads_like_source() {
        let t: Type = parse_quote!(Conv2d<1, 3, 3>);
        assert_eq!(type_text(&t), "Conv2d<1, 3, 3>");
        let t: Type = parse_quote!(init::Linear<3, 10, false>);
        assert_eq!(type_text(&t), "init::Linear<3, 10, false>");
        let t: Type = parse_quote!([Linear<4, 4>; 3]);
        assert_eq!(type_text(&t), "[Linear<4, 4>; 3]");
    }

    #[test]
    fn option_and_box_are_recognized_by_path() {
        assert!(matches!(shape(&parse_quote!(Option<Linear<2, 2>>)), Shape::Optional(_)));
        assert!(matches!(shape(&parse_quote!(std::option::Option<M>)), Shape::Optional(_)));
        assert!(matches!(
            shape(&parse_quote!(Box<dyn init::Module>)),
            Shape::Boxed(Type::TraitObject(_))
        ));
        assert!(matches!(shape(&parse_quote!(my::Option<M>)), Shape::Plain));
        assert!(matches!(shape(&parse_quote!(Vec<M>)), Shape::Plain));
    }

    #[test]
    fn the_layer_of_arrays_and_vecs_is_their_element() {
        let layer = |t: Type| type_text(layer_ty(&t));
        assert_eq!(layer(parse_quote!([Conv2d<3, 8, 3>; 4])), "Conv2d<3, 8, 3>");
        assert_eq!(layer(parse_quote!(std::vec::Vec<[Linear<2, 2>; 2]>)), "Linear<2, 2>");
        assert_eq!(layer(parse_quote!(ModuleList<Linear<2, 2>>)), "ModuleList<Linear<2, 2>>");
        assert_eq!(layer(parse_quote!(my::Vec<Linear<2, 2>>)), "my::Vec<Linear<2, 2>>");
    }
}
