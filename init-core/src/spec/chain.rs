//! The compile-time checks of a `#[module(sequential)]` struct: each field takes the feature
//! count the fields before it give ([`check_link`]), and the struct's own feature counts
//! ([`chain_in`], [`chain_out`]), so that sequential structs nest.

use super::message::Msg;
use crate::module::Width;

/// One field of a sequential chain: its name, its type as written, and its
/// [`Features`](crate::Features).
#[derive(Clone, Copy, Debug)]
pub struct Link {
    /// The field's name (`fc`, or `0` in a tuple struct).
    pub name: &'static str,
    /// The field's type as written (`Linear<4, 10>`).
    pub ty: &'static str,
    /// What the field's layer takes.
    pub input: Width,
    /// What it gives.
    pub output: Width,
}

/// Field `at` takes what fields `0..at` give: empty when it does (or when either count is
/// unknown), else the message naming both fields and both counts.
///
/// ```
/// use init_core::Width;
/// use init_core::spec::{Link, check_link};
/// let link = |name, ty, input, output| Link { name, ty, input, output };
/// let chain = [
///     link("conv", "Conv2d<1, 3, 3>", Width::Exactly(1), Width::Exactly(3)),
///     link("act", "ReLU", Width::Any, Width::Same),
///     link("fc", "Linear<4, 10>", Width::Exactly(4), Width::Exactly(10)),
/// ];
/// assert!(check_link(&chain, 1).message().is_none());
/// assert_eq!(
///     check_link(&chain, 2).message(),
///     Some("field `fc`: Linear<4, 10> takes 4 input features, but field `conv` (Conv2d<1, 3, 3>) gives 3")
/// );
/// ```
pub const fn check_link(links: &[Link], at: usize) -> Msg {
    if at >= links.len() {
        return Msg::new();
    }
    let mut carried = Width::Any;
    let mut from = 0;
    let mut j = 0;
    while j < at {
        if !matches!(links[j].output, Width::Same) {
            from = j;
        }
        carried = carried.then(links[j].output);
        j += 1;
    }
    let here = &links[at];
    match (carried, here.input) {
        (Width::Exactly(given), Width::Exactly(taken)) if given != taken => Msg::new()
            .str("field `")
            .str(here.name)
            .str("`: ")
            .str(here.ty)
            .str(" takes ")
            .num(taken)
            .str(" input features, but field `")
            .str(links[from].name)
            .str("` (")
            .str(links[from].ty)
            .str(") gives ")
            .num(given),
        _ => Msg::new(),
    }
}

/// What the chain takes: the first stated input count met before any field changes the
/// count, else [`Width::Any`].
///
/// ```
/// use init_core::Width;
/// use init_core::spec::{Link, chain_in, chain_out};
/// let link = |input, output| Link { name: "", ty: "", input, output };
/// let chain = [link(Width::Any, Width::Same), link(Width::Exactly(4), Width::Exactly(2))];
/// assert_eq!(chain_in(&chain), Width::Exactly(4));
/// assert_eq!(chain_out(&chain), Width::Exactly(2));
/// assert_eq!(chain_out(&[link(Width::Any, Width::Same)]), Width::Same);
/// ```
pub const fn chain_in(links: &[Link]) -> Width {
    let mut j = 0;
    while j < links.len() {
        if let Width::Exactly(n) = links[j].input {
            return Width::Exactly(n);
        }
        if !matches!(links[j].output, Width::Same) {
            return Width::Any;
        }
        j += 1;
    }
    Width::Any
}

/// What the chain gives: each field's output in turn ([`Width::Same`] when every field
/// passes its input on).
pub const fn chain_out(links: &[Link]) -> Width {
    let mut carried = Width::Same;
    let mut j = 0;
    while j < links.len() {
        carried = carried.then(links[j].output);
        j += 1;
    }
    carried
}
