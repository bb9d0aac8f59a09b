//! [`UpsampleConfig`]: the `#[layer(...)]` settings of [`Upsample`], PyTorch's keyword
//! arguments of `nn.Upsample`, checked by the rules its builders apply and applied through
//! those builders.

use super::upsample::{MODE_RULE, Upsample, UpsampleMode};
use crate::error::Result;
use crate::spec::config::Rules;
use crate::spec::settings::{self, MAX_SPATIAL, UpsampleTarget};
use crate::spec::{Msg, Setting};

/// Upsample's `size` or `scale_factor` as written: one value (`size = 8`, every axis) or one
/// per spatial axis (`size = (8, 12)`).
///
/// ```
/// use init_core::Upsample;
/// use init_core::spec::{Configure, Setting};
/// let config = <Upsample as Configure>::DEFAULT;
/// let size = Setting(config.size).set_tuple([8, 12]).unwrap();
/// assert_eq!(size.as_slice(), &[8, 12]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PerAxis<T> {
    values: [T; MAX_SPATIAL],
    /// How many values were written (more than 3 is refused by the verdict).
    len: usize,
}

impl<T: Copy> PerAxis<T> {
    /// `values`, of which the first 3 are kept and the count recorded.
    const fn new<const N: usize>(values: [T; N], zero: T) -> Self {
        let mut kept = [zero; MAX_SPATIAL];
        let mut i = 0;
        while i < N && i < MAX_SPATIAL {
            kept[i] = values[i];
            i += 1;
        }
        PerAxis { values: kept, len: N }
    }

    /// The values written (at most 3).
    pub const fn as_slice(&self) -> &[T] {
        let n = if self.len < MAX_SPATIAL { self.len } else { MAX_SPATIAL };
        self.values.split_at(n).0
    }
}

impl Setting<Option<PerAxis<usize>>> {
    /// `size = 8`: every spatial axis.
    pub const fn set(self, value: usize) -> Option<PerAxis<usize>> {
        Some(PerAxis::new([value], 0))
    }

    /// `size = (8, 12)`: one per spatial axis.
    pub const fn set_tuple<const N: usize>(self, value: [usize; N]) -> Option<PerAxis<usize>> {
        Some(PerAxis::new(value, 0))
    }
}

impl Setting<Option<PerAxis<f64>>> {
    /// `scale_factor = 2.0`: every spatial axis.
    pub const fn set(self, value: f64) -> Option<PerAxis<f64>> {
        Some(PerAxis::new([value], 0.0))
    }

    /// `scale_factor = (2.0, 1.5)`: one per spatial axis.
    pub const fn set_tuple<const N: usize>(self, value: [f64; N]) -> Option<PerAxis<f64>> {
        Some(PerAxis::new(value, 0.0))
    }
}

/// The settings of [`Upsample`] for `#[layer(...)]`:
/// `#[layer(scale_factor = 2.0, mode = "bilinear", align_corners = false)]` or
/// `#[layer(size = (8, 12))]`.
///
/// ```
/// use init_core::spec::{Configure, Setting};
/// use init_core::{Upsample, UpsampleMode};
///
/// let mut config = <Upsample as Configure>::DEFAULT;
/// config.scale_factor = Setting(config.scale_factor).set(2.0);
/// config.mode = "bilinear";
/// config.align_corners = Some(true);
/// let mut up = Upsample::new();
/// up.configure(&config);
/// assert_eq!((up.scale_factor(), up.mode(), up.align_corners()), (Some(&[2.0][..]), UpsampleMode::Bilinear, Some(true)));
///
/// config.size = Setting(config.size).set_tuple([8, 12]);
/// assert_eq!(config.verdict().message(), Some("Upsample: only one of size or scale_factor should be defined"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UpsampleConfig {
    /// The output's spatial size (default `None`).
    pub size: Option<PerAxis<usize>>,
    /// The multiplier of each spatial size (default `None`).
    pub scale_factor: Option<PerAxis<f64>>,
    /// `"nearest"` (default) or `"bilinear"`.
    pub mode: &'static str,
    /// Bilinear only: map the corner pixels onto each other (default `None`).
    pub align_corners: Option<bool>,
    /// Interpolate with `in / out` instead of `1 / scale_factor` (default `None`).
    pub recompute_scale_factor: Option<bool>,
}

impl UpsampleConfig {
    /// The rules of `with_size`, `with_scale_factor`, `with_mode`, `with_align_corners` and
    /// `with_recompute_scale_factor`: empty when the settings are valid. (Setting neither a
    /// size nor a scale factor is valid here; the forward pass needs one.)
    pub const fn verdict(&self) -> Msg {
        let mut rules = Rules::new("Upsample");
        if let Some(size) = &self.size {
            rules = rules
                .setting(settings::upsample_count(UpsampleTarget::Size, size.len))
                .setting(settings::upsample_size(size.as_slice()));
        }
        if let Some(scale) = &self.scale_factor {
            rules = rules
                .setting(settings::upsample_count(UpsampleTarget::ScaleFactor, scale.len))
                .setting(settings::upsample_scale_factor(scale.as_slice()));
        }
        let mode = UpsampleMode::from_name(self.mode);
        let interpolates = match mode {
            Some(mode) => mode.interpolates(),
            None => false,
        };
        rules
            .setting(settings::upsample_target(self.size.is_some(), self.scale_factor.is_some()))
            .holds(mode.is_some(), MODE_RULE)
            .setting(settings::upsample_align_corners(interpolates, self.align_corners))
            .setting(settings::upsample_recompute(self.size.is_some(), self.recompute_scale_factor))
            .verdict()
    }

    /// The layer these settings describe, built with its builders.
    fn build(&self) -> Result<Upsample> {
        let mut up = Upsample::new().with_mode(self.mode.parse()?)?;
        if let Some(align_corners) = self.align_corners {
            up = up.with_align_corners(align_corners)?;
        }
        if let Some(size) = &self.size {
            up = up.with_size(size.as_slice())?;
        }
        if let Some(scale) = &self.scale_factor {
            up = up.with_scale_factor(scale.as_slice())?;
        }
        if let Some(recompute) = self.recompute_scale_factor {
            up = up.with_recompute_scale_factor(recompute)?;
        }
        Ok(up)
    }
}

impl crate::spec::Configure for Upsample {
    type Config = UpsampleConfig;
    const DEFAULT: UpsampleConfig = UpsampleConfig {
        size: None,
        scale_factor: None,
        mode: "nearest",
        align_corners: None,
        recompute_scale_factor: None,
    };

    /// The layer built from `config` by the builders; settings they refuse leave it
    /// unchanged.
    fn configure(&mut self, config: &UpsampleConfig) {
        if let Ok(up) = config.build() {
            *self = up;
        }
    }
}
