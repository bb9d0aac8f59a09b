//! Error accumulation: every mistake in a struct is reported in the same build.

use std::cell::RefCell;
use std::fmt::Display;

use proc_macro2::Span;
use quote::ToTokens;

/// Collects errors; must be finished with [`Ctxt::check`] (it panics in debug builds of the
/// macro if dropped with errors unread, which would lose them).
pub(crate) struct Ctxt {
    errors: RefCell<Option<Vec<syn::Error>>>,
    /// Put before every message while set (`field `fc`: `), so errors name their field.
    prefix: RefCell<String>,
}

impl Ctxt {
    pub(crate) fn new() -> Self {
        Ctxt { errors: RefCell::new(Some(Vec::new())), prefix: RefCell::new(String::new()) }
    }

    /// An error placed on the tokens of `obj`.
    pub(crate) fn error_spanned_by<T: ToTokens, M: Display>(&self, obj: T, msg: M) {
        let msg = format!("{}{msg}", self.prefix.borrow());
        self.push(syn::Error::new_spanned(obj.into_token_stream(), msg));
    }

    /// An error placed at `span`.
    pub(crate) fn error_at<M: Display>(&self, span: Span, msg: M) {
        let msg = format!("{}{msg}", self.prefix.borrow());
        self.push(syn::Error::new(span, msg));
    }

    /// An error underlining everything from `first` to `last` (two tokens of one line).
    pub(crate) fn error_between<M: Display>(&self, first: Span, last: Span, msg: M) {
        let ends = [first, last].map(|span| proc_macro2::Ident::new("x", span));
        let [a, b] = &ends;
        self.error_spanned_by(quote::quote!(#a #b), msg);
    }

    /// An error from syn's parser.
    pub(crate) fn syn_error(&self, err: syn::Error) {
        let prefix = self.prefix.borrow().clone();
        if prefix.is_empty() {
            self.push(err);
        } else {
            for e in err {
                self.push(syn::Error::new(e.span(), format!("{prefix}{e}")));
            }
        }
    }

    /// Name `field` in every error reported until [`Ctxt::unscope`].
    pub(crate) fn scope(&self, field: &str) {
        *self.prefix.borrow_mut() = format!("field `{field}`: ");
    }

    /// Stop naming a field.
    pub(crate) fn unscope(&self) {
        self.prefix.borrow_mut().clear();
    }

    fn push(&self, err: syn::Error) {
        if let Some(errors) = self.errors.borrow_mut().as_mut() {
            errors.push(err);
        }
    }

    /// All errors, combined into one, or `Ok` if there were none.
    pub(crate) fn check(self) -> syn::Result<()> {
        let errors = self.errors.borrow_mut().take().unwrap_or_default();
        let mut iter = errors.into_iter();
        match iter.next() {
            None => Ok(()),
            Some(mut first) => {
                for e in iter {
                    first.combine(e);
                }
                Err(first)
            }
        }
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        let unread = self.errors.borrow().as_ref().is_some_and(|e| !e.is_empty());
        debug_assert!(
            !unread || std::thread::panicking(),
            "init-derive: errors were collected but never reported"
        );
    }
}
