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
/// writes `None` as it is). The derive calls `set_str` for a string literal and
/// `set_tuple([a, b])` for a tuple `(a, b)`, so a per-axis setting takes one number (every
/// axis) or a tuple (one per axis), as PyTorch's `stride = 2` and `stride = (2, 1)`.
pub struct Setting<T>(pub T);

macro_rules! plain_settings {
    ($($ty:ty),*) => {$(
        impl Setting<$ty> {
            /// The new value.
            pub const fn set(self, value: $ty) -> $ty {
                value
            }
        }

        impl Setting<Option<$ty>> {
            /// The new value, present.
            pub const fn set(self, value: $ty) -> Option<$ty> {
                Some(value)
            }
        }
    )*};
}

plain_settings!(f64, f32, bool, i64, usize, isize, &'static str);

impl Setting<&'static str> {
    /// A string literal.
    pub const fn set_str(self, value: &'static str) -> &'static str {
        value
    }
}

impl Setting<Option<&'static str>> {
    /// A string literal, present.
    pub const fn set_str(self, value: &'static str) -> Option<&'static str> {
        Some(value)
    }
}

impl<const D: usize> Setting<[usize; D]> {
    /// One number for every axis (`stride = 2`).
    pub const fn set(self, value: usize) -> [usize; D] {
        [value; D]
    }

    /// One number per axis (`stride = (2, 1)`).
    pub const fn set_tuple(self, value: [usize; D]) -> [usize; D] {
        value
    }
}

/// What a string literal or a tuple is checked against when the setting takes neither: the
/// setting's own type, so `batch_first = "yes"` is rustc's "expected `bool`, found `&str`"
/// on the value. Only inherent methods of [`Setting`] are `const`, so nothing compiles
/// through this trait.
pub trait SettingFallback {
    /// The setting's type.
    type Value;
    /// A string literal given to a setting that takes no string.
    fn set_str(self, value: Self::Value) -> Self::Value;
    /// A tuple given to a setting that takes no tuple.
    fn set_tuple(self, value: Self::Value) -> Self::Value;
}

impl<T> SettingFallback for Setting<T> {
    type Value = T;
    fn set_str(self, value: T) -> T {
        value
    }
    fn set_tuple(self, value: T) -> T {
        value
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

    /// The new configs refuse exactly what the layers' builders refuse, over a grid of
    /// values around each rule's edge.
    #[test]
    fn new_verdicts_agree_with_the_builders() {
        use super::Setting;
        use crate::{
            AvgPool2d, Conv2d, ConvTranspose1d, PReLU, Padding, PaddingMode, RMSNorm, Upsample,
            UpsampleMode,
        };
        let modes = ["zeros", "reflect", "replicate", "circular"];
        for stride in [[1, 1], [2, 1], [0, 1]] {
            for same in [false, true] {
                for mode in modes {
                    let mut c = <Conv2d<2, 2, 3> as Configure>::DEFAULT;
                    c.stride = stride;
                    if same {
                        c.padding = Setting(c.padding).set_str("same");
                    }
                    c.padding_mode = mode;
                    let padding = if same { Padding::Same } else { Padding::Explicit([0, 0]) };
                    let built = Conv2d::<2, 2, 3>::zeroed()
                        .with_padding_mode(mode.parse::<PaddingMode>().unwrap())
                        .and_then(|l| l.with_stride(stride))
                        .and_then(|l| l.with_padding(padding));
                    let verdict = c.verdict();
                    assert_eq!(
                        verdict.message().is_none(),
                        built.is_ok(),
                        "{stride:?} {same} {mode}"
                    );
                    if let Err(e) = built {
                        assert_eq!(verdict.message(), Some(e.to_string().as_str()));
                    }
                }
            }
        }
        for (stride, output_padding, dilation) in [(1, 0, 1), (2, 1, 1), (2, 2, 1), (1, 1, 2)] {
            let mut c = <ConvTranspose1d<2, 2, 3> as Configure>::DEFAULT;
            (c.stride, c.output_padding, c.dilation) = ([stride], [output_padding], [dilation]);
            let built = ConvTranspose1d::<2, 2, 3>::zeroed()
                .with_stride([stride])
                .and_then(|l| l.with_dilation([dilation]))
                .and_then(|l| l.with_output_padding([output_padding]));
            assert_eq!(c.verdict().message().is_none(), built.is_ok(), "{output_padding}");
        }
        let mut c = <ConvTranspose1d<2, 2, 3> as Configure>::DEFAULT;
        c.padding_mode = "reflect";
        assert!(c.verdict().message().is_some());
        for divisor in [None, Some(0), Some(1)] {
            let mut c = <AvgPool2d<2> as Configure>::DEFAULT;
            c.divisor_override = divisor;
            let built = AvgPool2d::<2>::new().with_divisor_override(divisor);
            assert_eq!(c.verdict().message().is_none(), built.is_ok(), "{divisor:?}");
        }
        for init in [0.25, -3.0, f64::NAN, f64::INFINITY] {
            let mut c = <PReLU<2> as Configure>::DEFAULT;
            c.init = init;
            let built = PReLU::<2>::new().with_init(init);
            assert_eq!(c.verdict().message().is_none(), built.is_ok(), "{init}");
        }
        for eps in [None, Some(0.0), Some(-1e-9), Some(f64::NAN)] {
            let mut c = <RMSNorm<2> as Configure>::DEFAULT;
            c.eps = eps;
            let built = RMSNorm::<2>::new().with_eps(eps);
            assert_eq!(c.verdict().message().is_none(), built.is_ok(), "{eps:?}");
        }
        let sizes: [&[usize]; 4] = [&[4], &[4, 0], &[1, 2, 3], &[1, 2, 3, 4]];
        for size in sizes {
            for mode in [UpsampleMode::Nearest, UpsampleMode::Bilinear] {
                for align in [None, Some(true)] {
                    let mut c = <Upsample as Configure>::DEFAULT;
                    c.size = Some(match size.len() {
                        1 => Setting(c.size).set(size[0]).unwrap(),
                        2 => Setting(c.size).set_tuple([size[0], size[1]]).unwrap(),
                        3 => Setting(c.size).set_tuple([size[0], size[1], size[2]]).unwrap(),
                        _ => Setting(c.size).set_tuple([1, 2, 3, 4]).unwrap(),
                    });
                    (c.mode, c.align_corners) = (mode.name(), align);
                    let mut built = Upsample::new().with_mode(mode);
                    if let Some(a) = align {
                        built = built.and_then(|u| u.with_align_corners(a));
                    }
                    let built = built.and_then(|u| u.with_size(size));
                    let ok = c.verdict().message().is_none();
                    assert_eq!(ok, built.is_ok(), "{size:?} {mode} {align:?}");
                }
            }
        }
        let mut c = <Upsample as Configure>::DEFAULT;
        c.scale_factor = Setting(c.scale_factor).set(2.0);
        c.recompute_scale_factor = Some(true);
        assert!(c.verdict().message().is_none());
        c.size = Setting(c.size).set(4);
        assert_eq!(
            c.verdict().message(),
            Some("Upsample: only one of size or scale_factor should be defined")
        );
        c.mode = "bicubic";
        c.size = None;
        assert_eq!(
            c.verdict().message(),
            Some("Upsample: mode must be \"nearest\" or \"bilinear\"")
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
