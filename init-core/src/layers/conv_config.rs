//! [`ConvConfig`] and [`ConvTransposeConfig`]: the `#[layer(...)]` settings of the
//! convolutions, PyTorch's keyword arguments of `nn.Conv*d` and `nn.ConvTranspose*d` that are
//! not in the weight's shape (stride, padding, dilation, padding mode, output padding). The
//! defaults are the layer's const generics; the verdict is the runtime builders' rule set
//! (`spec/conv.rs`), so `#[layer(stride = 2, padding = "same")]` fails to compile with the
//! message `with_padding(Padding::Same)` returns.

use super::conv_settings::Padding;
use crate::kernels::conv::{ConvSpec, Pad};
use crate::spec::{self, Msg, PaddingMode, Setting};

/// A convolution's `padding` as written in `#[layer(...)]`: numbers (`padding = 1`,
/// `padding = (0, 3)`) or a name (`padding = "same"`, `"valid"`; any other name is refused
/// by the verdict).
///
/// ```
/// use init_core::Conv2d;
/// use init_core::spec::{Configure, Setting};
/// let config = <Conv2d<3, 8, 3, 1, 1> as Configure>::DEFAULT;
/// let same = Setting(config.padding).set_str("same");
/// assert_ne!(same, config.padding);
/// assert_eq!(Setting(config.padding).set(1), config.padding); // PAD = 1 on both axes
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaddingSetting<const D: usize> {
    /// Elements before and after each axis.
    Axes([usize; D]),
    /// PyTorch's `"same"` or `"valid"`.
    Named(&'static str),
}

impl<const D: usize> PaddingSetting<D> {
    /// The padding, when the name is one PyTorch has.
    const fn to_padding(self) -> Option<Padding<D>> {
        match self {
            PaddingSetting::Axes(p) => Some(Padding::Explicit(p)),
            PaddingSetting::Named(n) if spec::str_eq(n, "same") => Some(Padding::Same),
            PaddingSetting::Named(n) if spec::str_eq(n, "valid") => Some(Padding::Valid),
            PaddingSetting::Named(_) => None,
        }
    }
}

impl<const D: usize> Setting<PaddingSetting<D>> {
    /// `padding = 1`: the same on every axis.
    pub const fn set(self, value: usize) -> PaddingSetting<D> {
        PaddingSetting::Axes([value; D])
    }

    /// `padding = (0, 3)`: one per axis.
    pub const fn set_tuple(self, value: [usize; D]) -> PaddingSetting<D> {
        PaddingSetting::Axes(value)
    }

    /// `padding = "same"` or `"valid"`.
    pub const fn set_str(self, value: &'static str) -> PaddingSetting<D> {
        PaddingSetting::Named(value)
    }
}

/// The first `D` entries of a spec's per-axis array.
const fn axes<const D: usize>(all: &[usize; 3]) -> [usize; D] {
    let mut out = [0; D];
    let mut i = 0;
    while i < D {
        out[i] = all[i];
        i += 1;
    }
    out
}

/// `values` in the first `D` entries of `all`.
fn set_axes<const D: usize>(all: &mut [usize; 3], values: [usize; D]) {
    all[..D].copy_from_slice(&values);
}

/// The settings of a convolution (`Conv1d`, `Conv2d`, `Conv3d`) for `#[layer(...)]`:
/// `#[layer(stride = (2, 1), padding = "same", dilation = 2, padding_mode = "reflect")]`.
/// A per-axis setting takes one number (every axis) or a tuple (one per axis).
///
/// ```
/// use init_core::spec::Configure;
/// use init_core::{Conv2d, Padding, PaddingMode};
///
/// let mut config = <Conv2d<3, 8, 3, 2, 1> as Configure>::DEFAULT; // the const generics
/// assert_eq!((config.stride, config.dilation, config.padding_mode), ([2, 2], [1, 1], "zeros"));
/// config.stride = [1, 1];
/// config.padding_mode = "reflect";
/// let mut conv = Conv2d::<3, 8, 3, 2, 1>::zeroed();
/// conv.configure(&config);
/// assert_eq!((conv.stride(), conv.padding(), conv.padding_mode()), ([1, 1], Padding::Explicit([1, 1]), PaddingMode::Reflect));
///
/// config.stride = [2, 1];
/// config.padding = init_core::spec::Setting(config.padding).set_str("same");
/// assert_eq!(
///     config.verdict().message(),
///     Some("Conv2d: padding = \"same\" is not supported for strided convolutions, got stride = [2, 1]")
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvConfig<const D: usize> {
    /// The stride per axis (default: the layer's `STRIDE`).
    pub stride: [usize; D],
    /// The padding (default: the layer's `PAD` on every axis).
    pub padding: PaddingSetting<D>,
    /// The dilation per axis (default: the layer's `DIL`).
    pub dilation: [usize; D],
    /// `"zeros"` (default), `"reflect"`, `"replicate"` or `"circular"`.
    pub padding_mode: &'static str,
    layer: &'static str,
}

impl<const D: usize> ConvConfig<D> {
    /// The settings a layer's spec holds.
    pub(crate) const fn of(spec: &ConvSpec) -> Self {
        let padding = match spec.padding {
            Pad::Explicit(p) => PaddingSetting::Axes(axes(&p)),
            Pad::Same => PaddingSetting::Named("same"),
            Pad::Valid => PaddingSetting::Named("valid"),
        };
        ConvConfig {
            stride: axes(&spec.stride),
            padding,
            dilation: axes(&spec.dilation),
            padding_mode: spec.mode.name(),
            layer: spec.layer,
        }
    }

    /// The rules the layer's `with_*` builders apply (`spec::conv_settings`), after the
    /// names: empty when the settings are valid.
    pub const fn verdict(&self) -> Msg {
        let mode = match PaddingMode::from_name(self.padding_mode) {
            Some(mode) => mode,
            None => return spec::conv_padding_mode_name(self.layer, self.padding_mode),
        };
        let same = match self.padding {
            PaddingSetting::Named(name) => {
                let named = spec::conv_padding_name(self.layer, name);
                if named.message().is_some() {
                    return named;
                }
                spec::str_eq(name, "same")
            }
            PaddingSetting::Axes(_) => false,
        };
        spec::conv_settings(self.layer, false, &self.stride, same, &self.dilation, mode, &[0; D])
    }

    /// Apply the settings to a layer's spec; settings the verdict refuses leave it unchanged.
    pub(crate) fn apply(&self, spec: &mut ConvSpec) {
        let (Some(mode), Some(padding)) =
            (PaddingMode::from_name(self.padding_mode), self.padding.to_padding())
        else {
            return;
        };
        let mut new = *spec;
        set_axes(&mut new.stride, self.stride);
        set_axes(&mut new.dilation, self.dilation);
        new.padding = padding.to_pad();
        new.mode = mode;
        if new.check().is_ok() {
            *spec = new;
        }
    }
}

/// The settings of a transposed convolution (`ConvTranspose1d`, `ConvTranspose2d`,
/// `ConvTranspose3d`) for `#[layer(...)]`:
/// `#[layer(stride = 2, padding = 1, output_padding = 1)]` (per-axis settings take one
/// number or a tuple). PyTorch's only `padding_mode` here is `"zeros"`.
///
/// ```
/// use init_core::spec::Configure;
/// use init_core::ConvTranspose2d;
///
/// let mut config = <ConvTranspose2d<8, 4, 3> as Configure>::DEFAULT;
/// config.stride = [2, 2];
/// config.output_padding = [1, 0];
/// assert!(config.verdict().message().is_none());
/// let mut up = ConvTranspose2d::<8, 4, 3>::zeroed();
/// up.configure(&config);
/// assert_eq!((up.stride(), up.output_padding()), ([2, 2], [1, 0]));
///
/// config.output_padding = [2, 0];
/// assert_eq!(
///     config.verdict().message(),
///     Some("ConvTranspose2d: output_padding = [2, 0] must be smaller than either stride = [2, 2] or dilation = [1, 1] on every axis")
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvTransposeConfig<const D: usize> {
    /// The stride per axis (default: the layer's `STRIDE`).
    pub stride: [usize; D],
    /// The padding per axis (default: the layer's `PAD`).
    pub padding: [usize; D],
    /// Extra output elements after each axis (default: the layer's `OUT_PAD`).
    pub output_padding: [usize; D],
    /// The dilation per axis (default: the layer's `DIL`).
    pub dilation: [usize; D],
    /// `"zeros"`, the only mode PyTorch's transposed convolutions take.
    pub padding_mode: &'static str,
    layer: &'static str,
}

impl<const D: usize> ConvTransposeConfig<D> {
    /// The settings a layer's spec holds.
    pub(crate) const fn of(spec: &ConvSpec) -> Self {
        let padding = match spec.padding {
            Pad::Explicit(p) => axes(&p),
            Pad::Same | Pad::Valid => [0; D],
        };
        ConvTransposeConfig {
            stride: axes(&spec.stride),
            padding,
            output_padding: axes(&spec.output_padding),
            dilation: axes(&spec.dilation),
            padding_mode: spec.mode.name(),
            layer: spec.layer,
        }
    }

    /// The rules the layer's `with_*` builders apply: empty when the settings are valid.
    pub const fn verdict(&self) -> Msg {
        let mode = match PaddingMode::from_name(self.padding_mode) {
            Some(mode) => mode,
            None => return spec::conv_padding_mode_name(self.layer, self.padding_mode),
        };
        spec::conv_settings(
            self.layer,
            true,
            &self.stride,
            false,
            &self.dilation,
            mode,
            &self.output_padding,
        )
    }

    /// Apply the settings to a layer's spec; settings the verdict refuses leave it unchanged.
    pub(crate) fn apply(&self, spec: &mut ConvSpec) {
        let Some(mode) = PaddingMode::from_name(self.padding_mode) else { return };
        let mut new = *spec;
        set_axes(&mut new.stride, self.stride);
        set_axes(&mut new.dilation, self.dilation);
        set_axes(&mut new.output_padding, self.output_padding);
        new.padding = Padding::Explicit(self.padding).to_pad();
        new.mode = mode;
        if new.check().is_ok() {
            *spec = new;
        }
    }
}

/// `impl Configure` for a convolution whose `SPEC` constant holds its const generics.
macro_rules! conv_configure {
    ($config:ident<$d:literal> for $layer:ident<$($g:ident: $t:ty),*>) => {
        impl<$(const $g: $t),*> $crate::spec::Configure for $layer<$($g),*> {
            type Config = $crate::layers::conv_config::$config<$d>;
            const DEFAULT: Self::Config = $crate::layers::conv_config::$config::of(&Self::SPEC);

            fn configure(&mut self, config: &Self::Config) {
                config.apply(&mut self.spec);
            }
        }
    };
}
pub(crate) use conv_configure;
