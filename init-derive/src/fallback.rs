//! What the derive emits when the struct has errors: the errors, plus a stub `Module` impl
//! (and `new`) so that code using the struct does not add a cascade of secondary errors.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{DeriveInput, GenericParam};

pub(crate) fn expand(input: &DeriveInput, error: &syn::Error) -> TokenStream {
    let errors = error.to_compile_error();
    let ident = &input.ident;
    let name = ident.to_string();
    let mut generics = input.generics.clone();
    let statics: Vec<syn::WherePredicate> = input
        .generics
        .params
        .iter()
        .filter_map(|p| if let GenericParam::Type(t) = p { Some(&t.ident) } else { None })
        .map(|t| syn::parse_quote!(#t: 'static))
        .collect();
    generics.make_where_clause().predicates.extend(statics);
    let (impl_g, ty_g, where_g) = generics.split_for_impl();
    let is_struct = matches!(input.data, syn::Data::Struct(_));
    let stub = is_struct.then(|| {
        quote! {
            #[allow(unused_qualifications)]
            impl #impl_g ::init::Module for #ident #ty_g #where_g {
                fn kind(&self) -> ::init::LayerKind {
                    ::init::LayerKind::Custom(#name)
                }
                fn visit<'__a>(&'__a self, _: &mut dyn ::init::Visitor<'__a>) {}
                fn visit_mut<'__a>(&'__a mut self, _: &mut dyn ::init::VisitorMut<'__a>) {}
            }
            #[allow(unused_qualifications, dead_code)]
            impl #impl_g #ident #ty_g #where_g {
                /// Not available: the struct's `#[derive(Module)]` has errors.
                pub fn new(_: &mut dyn ::init::Generator) -> ::core::result::Result<Self, ::init::InitError> {
                    ::core::unimplemented!("#[derive(Module)] reported errors")
                }
            }
        }
    });
    quote!(#errors #stub)
}
