//! What a layer type says about itself at compile time: its parameters' names and shapes
//! and the verdict on its configuration, as constants. `#[derive(Module)]` checks its
//! `#[init(...)]` attributes and its fields against these in `const` evaluations, so a
//! `values` literal that does not fit `conv1.weight`, `orthogonal` on a bias, or a `Conv2d`
//! whose groups do not divide its channels is a compile error on the user's field.
//!
//! Not a public API: the derive's code reaches it through `init::__private`.

mod args;
mod bare;
mod chain;
pub(crate) mod check;
mod children;
pub(crate) mod config;
mod configure;
pub(crate) mod conv;
mod field;
pub mod math;
mod message;
mod recipe;
mod recurrent_names;
pub mod settings;
mod tie;

pub use crate::param::build_or_error;
pub use args::check_args;
pub use bare::{bare_buffer, bare_param, check_bare, reset_buffer, reset_param};
pub use chain::{Link, chain_in, chain_out, check_link};
pub use check::{check_config, check_has_params, check_param};
pub use children::{Elements, FilledLater, Repeated};
pub use config::{eps, keyword_verdict, probability, transformer_activation};
pub use configure::{Configure, Setting, SettingFallback};
pub use conv::{
    PaddingMode, conv_axes_positive, conv_output_padding, conv_padding_fits, conv_padding_mode,
    conv_padding_mode_name, conv_padding_name, conv_same_padding, conv_settings,
};
pub use field::{Field, NotAModule, require_module};
pub use message::Msg;
pub(crate) use message::str_eq;
pub use recipe::check_recipe;
pub use tie::check_tie;

use crate::module::LayerKind;

/// The largest rank a [`ParamSpec`] records (conv3d weights have 5 dimensions).
pub const MAX_RANK: usize = 5;
/// The most parameters a [`ParamTable`] records (an 8-layer bidirectional LSTM has 64).
pub const MAX_PARAMS: usize = 64;

/// One parameter of a layer type: its name and shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamSpec {
    name: &'static str,
    dims: [usize; MAX_RANK],
    rank: usize,
}

impl ParamSpec {
    /// The parameter's name (`"weight"`).
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The parameter's shape.
    pub const fn shape(&self) -> &[usize] {
        self.dims.split_at(self.rank).0
    }
}

/// The parameters of a layer type, in registration order, as a constant.
///
/// ```
/// use init_core::Conv2d;
/// use init_core::spec::LayerSpec;
/// let table = <Conv2d<3, 8, 5> as LayerSpec>::PARAMS;
/// assert_eq!(table.len(), 2);
/// assert_eq!(table.get(0).unwrap().name(), "weight");
/// assert_eq!(table.get(0).unwrap().shape(), &[8, 3, 5, 5]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamTable {
    specs: [ParamSpec; MAX_PARAMS],
    len: usize,
    /// Set when the layer has more parameters than the table holds; the ones left out are
    /// not checked at compile time.
    truncated: bool,
}

const EMPTY: ParamSpec = ParamSpec { name: "", dims: [0; MAX_RANK], rank: 0 };

impl ParamTable {
    /// No parameters (pooling, activations, ...).
    pub const EMPTY: ParamTable =
        ParamTable { specs: [EMPTY; MAX_PARAMS], len: 0, truncated: false };

    /// This table plus one parameter (ranks above [`MAX_RANK`] are cut to it).
    pub const fn with(mut self, name: &'static str, shape: &[usize]) -> Self {
        if self.len == MAX_PARAMS {
            self.truncated = true;
            return self;
        }
        let mut dims = [0; MAX_RANK];
        let mut i = 0;
        while i < shape.len() && i < MAX_RANK {
            dims[i] = shape[i];
            i += 1;
        }
        self.specs[self.len] = ParamSpec { name, dims, rank: i };
        self.len += 1;
        self
    }

    /// [`with`](ParamTable::with) when `present`, else the table unchanged (a bias that a
    /// `BIAS = false` layer does not have).
    pub const fn with_if(self, present: bool, name: &'static str, shape: &[usize]) -> Self {
        if present { self.with(name, shape) } else { self }
    }

    /// Number of parameters recorded.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The `i`-th parameter.
    pub const fn get(&self, i: usize) -> Option<&ParamSpec> {
        if i < self.len { Some(&self.specs[i]) } else { None }
    }

    /// The parameter called `name`.
    pub const fn find(&self, name: &str) -> Option<&ParamSpec> {
        let mut i = 0;
        while i < self.len {
            if str_eq(self.specs[i].name, name) {
                return Some(&self.specs[i]);
            }
            i += 1;
        }
        None
    }

    /// Whether parameters were left out of the table.
    pub const fn is_truncated(&self) -> bool {
        self.truncated
    }
}

/// Implemented by every built-in layer: its kind, its parameters and the verdict on its
/// configuration, as constants.
///
/// ```
/// use init_core::spec::LayerSpec;
/// use init_core::{Conv2d, LayerKind, Linear, MaxPool2d};
/// assert_eq!(<Linear<3, 10, false> as LayerSpec>::KIND, LayerKind::Linear);
/// assert_eq!(<Linear<3, 10, false> as LayerSpec>::PARAMS.len(), 1);
/// assert!(<MaxPool2d<2> as LayerSpec>::PARAMS.is_empty());
/// assert_eq!(
///     <Conv2d<3, 8, 3, 1, 0, 1, 2> as LayerSpec>::CONFIG.message(),
///     Some("Conv2d: in_channels = 3 is not divisible by groups = 2")
/// );
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a layer, so `#[init(...)]` cannot name its parameters",
    label = "not a layer",
    note = "put rules for the layers inside a derived module on that module's own struct or fields"
)]
pub trait LayerSpec {
    /// The layer's kind.
    const KIND: LayerKind;
    /// The layer's own parameters in registration order.
    const PARAMS: ParamTable;
    /// The verdict on the layer's const-generic configuration: empty when it is valid, else
    /// the rule it breaks. The layer does not compile when built with a broken one.
    const CONFIG: Msg = Msg::new();
}

pub use recurrent_names::recurrent_table;
