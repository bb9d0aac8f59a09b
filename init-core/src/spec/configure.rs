//! Layer settings declared on a field, `#[layer(eps = 1e-6)] norm: LayerNorm<768>`, as a
//! plain `Config` struct per layer whose public fields carry PyTorch's keyword names.
//!
//! The derive writes, for that field, a constant
//! `{ let mut c = <LayerNorm<768> as Configure>::DEFAULT; c.eps = Setting(c.eps).set(1e-6); c }`
//! with the user's tokens, so an unknown key is rustc's "no field `epss` on type
//! `LayerNormConfig`" on the key and a value of the wrong type its "mismatched types" on the
//! value. It then evaluates the config's inherent `const fn verdict` (the same rules the
//! layer's builders apply at run time) in a `const`, so an out-of-range value is a compile
//! error on the attribute, and `zeroed()` hands the config to [`Configure::configure`].

/// A layer whose settings can be declared with `#[layer(key = value, ...)]`.
///
/// Implementors also give `Config` an inherent `pub const fn verdict(&self) -> Msg`: empty
/// when the settings are valid, else the rule broken (`"LayerNorm: eps must be finite and
/// >= 0"`).
///
/// ```
/// use init_core::LayerNorm;
/// use init_core::spec::Configure;
/// let mut config = <LayerNorm<8> as Configure>::DEFAULT;
/// config.eps = 1e-6;
/// assert!(config.verdict().message().is_none());
/// let mut ln = LayerNorm::<8>::zeroed();
/// ln.configure(&config);
/// assert_eq!(ln.eps(), 1e-6);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no settings for `#[layer(...)]`",
    label = "no `#[layer(...)]` settings",
    note = "`#[layer(...)]` configures a built-in layer with settings (LayerNorm, BatchNorm1d, Embedding, Dropout, ...); its dimensions are in its type"
)]
pub trait Configure {
    /// The settings, PyTorch's keyword arguments as public fields.
    type Config: Copy;
    /// PyTorch's defaults.
    const DEFAULT: Self::Config;
    /// Apply `config`, whose `verdict` is empty (the derive checks it at compile time). A
    /// setting the layer refuses is left at its current value.
    fn configure(&mut self, config: &Self::Config);
}

/// A setting being written: `Setting(c.eps).set(1e-6)` checks the value's type against
/// the setting's, and lets `padding_idx = 0` set an `Option<i64>` setting (the derive
/// writes `None` as it is).
pub struct Setting<T>(pub T);

macro_rules! plain_settings {
    ($($ty:ty),*) => {$(
        impl Setting<$ty> {
            /// The new value.
            pub const fn set(self, value: $ty) -> $ty {
                value
            }
        }
    )*};
}

plain_settings!(f64, f32, bool, i64, usize, isize, &'static str);

impl<T: Copy> Setting<Option<T>> {
    /// The new value, present.
    pub const fn set(self, value: T) -> Option<T> {
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::Configure;
    use crate::{BatchNorm1d, Dropout, Embedding, GELU, LayerNorm, Module};

    #[test]
    fn verdicts_refuse_what_the_builders_refuse() {
        let mut ln = <LayerNorm<4> as Configure>::DEFAULT;
        ln.eps = -1.0;
        assert_eq!(ln.verdict().message(), Some("LayerNorm: eps must be finite and >= 0"));
        assert!(LayerNorm::<4>::new().with_eps(-1.0).is_err());

        let mut bn = <BatchNorm1d<4> as Configure>::DEFAULT;
        bn.momentum = Some(1.5);
        assert_eq!(
            bn.verdict().message(),
            Some("BatchNorm1d: momentum must be in [0, 1] (or None for a cumulative average)")
        );
        assert!(BatchNorm1d::<4>::new().with_momentum(Some(1.5)).is_err());
        bn.momentum = None;
        assert!(bn.verdict().message().is_none());

        for p in [-0.1, 0.0, 0.5, 1.0, 1.1, f64::NAN] {
            let mut config = <Dropout as Configure>::DEFAULT;
            config.p = p;
            assert_eq!(config.verdict().message().is_none(), Dropout::with_p(p).is_ok(), "p = {p}");
        }

        let mut emb = <Embedding<5, 2> as Configure>::DEFAULT;
        for (idx, ok) in [(-6, false), (-5, true), (4, true), (5, false)] {
            emb.padding_idx = Some(idx);
            assert_eq!(emb.verdict().message().is_none(), ok, "padding_idx = {idx}");
        }

        let mut gelu = <GELU as Configure>::DEFAULT;
        gelu.approximate = "tan";
        assert_eq!(
            gelu.verdict().message(),
            Some("GELU: approximate must be \"none\" or \"tanh\"")
        );
    }

    #[test]
    fn configure_applies_every_setting() {
        let mut ln = LayerNorm::<4>::zeroed();
        let mut config = <LayerNorm<4> as Configure>::DEFAULT;
        config.bias = false;
        ln.configure(&config);
        let names: Vec<String> = ln.named_parameters().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["weight"]);
        let mut emb = Embedding::<5, 2>::zeroed();
        let mut config = <Embedding<5, 2> as Configure>::DEFAULT;
        config.padding_idx = Some(-1);
        emb.configure(&config);
        assert_eq!(emb.padding_idx(), Some(4));
    }
}
