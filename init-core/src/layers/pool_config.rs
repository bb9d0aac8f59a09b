//! The `#[layer(...)]` settings of the pooling layers, PyTorch's keyword arguments that are
//! not in the layer's type: [`MaxPoolConfig`] (`ceil_mode`), [`AvgPool1dConfig`]
//! (`ceil_mode`, `count_include_pad`) and [`AvgPoolConfig`] (with `divisor_override`, which
//! `nn.AvgPool1d` does not take). Kernel, stride, padding and dilation are const generics.

use crate::kernels::pool::PoolMode;
use crate::spec::config::Rules;
use crate::spec::{Msg, settings};

/// The settings of `MaxPool1d`, `MaxPool2d` and `MaxPool3d` for `#[layer(...)]`:
/// `#[layer(ceil_mode = true)]`.
///
/// ```
/// use init_core::MaxPool2d;
/// use init_core::spec::Configure;
/// let mut config = <MaxPool2d<3, 2> as Configure>::DEFAULT;
/// assert!(!config.ceil_mode);
/// config.ceil_mode = true;
/// let mut pool = MaxPool2d::<3, 2>::new();
/// pool.configure(&config);
/// assert!(pool.ceil_mode());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaxPoolConfig {
    /// Whether each output size is rounded up (default `false`).
    pub ceil_mode: bool,
}

impl MaxPoolConfig {
    /// PyTorch's defaults.
    pub(crate) const DEFAULT: MaxPoolConfig = MaxPoolConfig { ceil_mode: false };

    /// Every setting is valid.
    pub const fn verdict(&self) -> Msg {
        Msg::new()
    }
}

/// The settings of `AvgPool1d` for `#[layer(...)]`:
/// `#[layer(ceil_mode = true, count_include_pad = false)]`.
///
/// ```
/// use init_core::AvgPool1d;
/// use init_core::spec::Configure;
/// let mut config = <AvgPool1d<3, 2, 1> as Configure>::DEFAULT;
/// assert!(config.count_include_pad && !config.ceil_mode);
/// config.count_include_pad = false;
/// let mut pool = AvgPool1d::<3, 2, 1>::new();
/// pool.configure(&config);
/// assert!(!pool.count_include_pad());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AvgPool1dConfig {
    /// Whether each output size is rounded up (default `false`).
    pub ceil_mode: bool,
    /// Whether zero padding counts in the divisor (default `true`).
    pub count_include_pad: bool,
}

impl AvgPool1dConfig {
    /// PyTorch's defaults.
    pub(crate) const DEFAULT: AvgPool1dConfig =
        AvgPool1dConfig { ceil_mode: false, count_include_pad: true };

    /// Every setting is valid.
    pub const fn verdict(&self) -> Msg {
        Msg::new()
    }

    /// Apply the settings to a layer's mode.
    pub(crate) fn apply(&self, mode: &mut PoolMode) {
        mode.ceil_mode = self.ceil_mode;
        mode.count_include_pad = self.count_include_pad;
    }
}

/// The settings of `AvgPool2d` and `AvgPool3d` for `#[layer(...)]`:
/// `#[layer(ceil_mode = true, count_include_pad = false, divisor_override = 4)]`.
///
/// ```
/// use init_core::AvgPool2d;
/// use init_core::spec::Configure;
/// let mut config = <AvgPool2d<2> as Configure>::DEFAULT;
/// config.divisor_override = Some(0);
/// assert_eq!(config.verdict().message(), Some("AvgPool2d: divisor_override must be > 0"));
/// config.divisor_override = Some(3);
/// let mut pool = AvgPool2d::<2>::new();
/// pool.configure(&config);
/// assert_eq!(pool.divisor_override(), Some(3));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AvgPoolConfig {
    /// Whether each output size is rounded up (default `false`).
    pub ceil_mode: bool,
    /// Whether zero padding counts in the divisor (default `true`).
    pub count_include_pad: bool,
    /// A fixed divisor for every window (default `None`: the window's count).
    pub divisor_override: Option<usize>,
    layer: &'static str,
}

impl AvgPoolConfig {
    /// PyTorch's defaults for `layer`.
    pub(crate) const fn defaults(layer: &'static str) -> Self {
        AvgPoolConfig { ceil_mode: false, count_include_pad: true, divisor_override: None, layer }
    }

    /// The rule the layer's `with_divisor_override` applies: empty when valid.
    pub const fn verdict(&self) -> Msg {
        Rules::new(self.layer).setting(settings::divisor_override(self.divisor_override)).verdict()
    }

    /// Apply the settings to a layer's mode; a divisor the rule refuses is left unchanged.
    pub(crate) fn apply(&self, mode: &mut PoolMode) {
        mode.ceil_mode = self.ceil_mode;
        mode.count_include_pad = self.count_include_pad;
        if settings::divisor_override(self.divisor_override).is_ok() {
            mode.divisor_override = self.divisor_override;
        }
    }
}

/// `impl Configure` for a pooling layer: `max` (a `ceil_mode` field), `avg1` or `avg` (a
/// `mode: PoolMode` field).
macro_rules! pool_configure {
    (max for $layer:ident<$($g:ident),*>) => {
        impl<$(const $g: usize),*> $crate::spec::Configure for $layer<$($g),*> {
            type Config = $crate::layers::pool_config::MaxPoolConfig;
            const DEFAULT: Self::Config = $crate::layers::pool_config::MaxPoolConfig::DEFAULT;

            fn configure(&mut self, config: &Self::Config) {
                self.ceil_mode = config.ceil_mode;
            }
        }
    };
    (avg1 for $layer:ident<$($g:ident),*>) => {
        impl<$(const $g: usize),*> $crate::spec::Configure for $layer<$($g),*> {
            type Config = $crate::layers::pool_config::AvgPool1dConfig;
            const DEFAULT: Self::Config = $crate::layers::pool_config::AvgPool1dConfig::DEFAULT;

            fn configure(&mut self, config: &Self::Config) {
                config.apply(&mut self.mode);
            }
        }
    };
    (avg for $layer:ident<$($g:ident),*>) => {
        impl<$(const $g: usize),*> $crate::spec::Configure for $layer<$($g),*> {
            type Config = $crate::layers::pool_config::AvgPoolConfig;
            const DEFAULT: Self::Config =
                $crate::layers::pool_config::AvgPoolConfig::defaults(stringify!($layer));

            fn configure(&mut self, config: &Self::Config) {
                config.apply(&mut self.mode);
            }
        }
    };
}
pub(crate) use pool_configure;
