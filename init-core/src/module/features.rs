//! [`Features`]: how many features a layer takes and gives, as constants, so that a chain of
//! layers (`#[module(sequential)]`) is checked at compile time.

/// A feature count along a layer's feature axis, as a chain of layers sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Width {
    /// Any count (as an input), or a count not known from the types (as an output: after
    /// `Flatten`, or a `Sequential` built at run time). Nothing is checked across it.
    Any,
    /// As an output: the count the layer was given (activations, dropout, pooling).
    Same,
    /// Exactly this many features.
    Exactly(usize),
}

impl Width {
    /// What flows out of a layer whose output is `out` when `self` flows in.
    ///
    /// ```
    /// use init_core::Width;
    /// assert_eq!(Width::Exactly(3).then(Width::Same), Width::Exactly(3));
    /// assert_eq!(Width::Exactly(3).then(Width::Exactly(8)), Width::Exactly(8));
    /// assert_eq!(Width::Exactly(3).then(Width::Any), Width::Any);
    /// ```
    pub const fn then(self, out: Width) -> Width {
        match out {
            Width::Same => self,
            other => other,
        }
    }

    /// The count, when it is known.
    pub const fn known(self) -> Option<usize> {
        match self {
            Width::Exactly(n) => Some(n),
            Width::Any | Width::Same => None,
        }
    }
}

/// The feature counts a layer takes and gives, stated by its type: what
/// `#[module(sequential)]` checks between consecutive fields (a `Linear<4, 10>` after a layer
/// that gives 3 features does not compile). The feature axis is the channel axis for
/// convolutions and batch/group norms, the last axis for `Linear`, `LayerNorm`, embeddings,
/// attention and recurrent layers; the check compares counts, not axes.
///
/// Every layer implements it; a hand-written layer that should go into a sequential struct
/// implements it too (a derived sequential struct implements it for itself, so they nest):
///
/// ```
/// use init_core::{Features, Width};
///
/// /// A layer that doubles its features (concatenating x and -x).
/// struct Crelu<const D: usize>;
///
/// impl<const D: usize> Features for Crelu<D> {
///     const IN: Width = Width::Exactly(D);
///     const OUT: Width = Width::Exactly(2 * D);
/// }
/// assert_eq!(<init_core::Linear<3, 8> as Features>::OUT, Width::Exactly(8));
/// assert_eq!(<init_core::ReLU as Features>::OUT, Width::Same);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not state its feature counts, so it cannot be chained",
    label = "not a layer with known feature counts",
    note = "a field of a `#[module(sequential)]` struct must implement `Features` and `Forward` (every layer and every derived sequential struct does)"
)]
pub trait Features {
    /// The count the layer takes: [`Width::Exactly`], or [`Width::Any`].
    const IN: Width;
    /// The count it gives: [`Width::Exactly`], [`Width::Same`] (what it was given), or
    /// [`Width::Any`] (not known from the type).
    const OUT: Width;
}
