//! [`Upsample`]: resizing of the spatial axes by nearest neighbour or bilinear interpolation.

use std::fmt;
use std::str::FromStr;

use ndarray::{ArrayD, ArrayViewD};

use crate::error::{InitError, Result};
use crate::kernels::upsample::{self, Interp};
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, trace,
};
use crate::spec::{LayerSpec, ParamTable, settings};

/// Upsample's interpolation: PyTorch's `mode` argument (the two modes provided).
///
/// Parses from and displays as PyTorch's strings:
///
/// ```
/// use init_core::UpsampleMode;
/// assert_eq!("bilinear".parse::<UpsampleMode>()?, UpsampleMode::Bilinear);
/// assert_eq!(UpsampleMode::Nearest.to_string(), "nearest");
/// let err = "bicubic".parse::<UpsampleMode>().unwrap_err();
/// assert_eq!(err.to_string(), r#"Upsample: mode must be "nearest" or "bilinear", got "bicubic""#);
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum UpsampleMode {
    /// Each output reads its nearest input (`mode="nearest"`, the default), on 1 to 3
    /// spatial axes.
    #[default]
    Nearest,
    /// Linear interpolation along height and width of `[N, C, H, W]` input
    /// (`mode="bilinear"`).
    Bilinear,
}

impl UpsampleMode {
    /// PyTorch's name.
    pub const fn name(self) -> &'static str {
        match self {
            UpsampleMode::Nearest => "nearest",
            UpsampleMode::Bilinear => "bilinear",
        }
    }

    /// The mode PyTorch names `name` (`"nearest"`, `"bilinear"`), if any.
    ///
    /// ```
    /// use init_core::UpsampleMode;
    /// assert_eq!(UpsampleMode::from_name("bilinear"), Some(UpsampleMode::Bilinear));
    /// assert_eq!(UpsampleMode::from_name("bicubic"), None);
    /// ```
    pub const fn from_name(name: &str) -> Option<UpsampleMode> {
        if crate::spec::str_eq(name, "nearest") {
            Some(UpsampleMode::Nearest)
        } else if crate::spec::str_eq(name, "bilinear") {
            Some(UpsampleMode::Bilinear)
        } else {
            None
        }
    }

    /// Whether the mode interpolates (only those accept `align_corners`).
    pub const fn interpolates(self) -> bool {
        matches!(self, UpsampleMode::Bilinear)
    }
}

impl fmt::Display for UpsampleMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The rule on a mode's name.
pub(crate) const MODE_RULE: &str = r#"mode must be "nearest" or "bilinear""#;

impl FromStr for UpsampleMode {
    type Err = InitError;

    fn from_str(s: &str) -> Result<Self> {
        UpsampleMode::from_name(s)
            .ok_or_else(|| InitError::config("Upsample", format!("{MODE_RULE}, got {s:?}")))
    }
}

/// PyTorch's `nn.Upsample(size=None, scale_factor=None, mode="nearest", align_corners=None,
/// recompute_scale_factor=None)`.
///
/// No parameters and no buffers. The input is `[N, C, L]`, `[N, C, H, W]` or
/// `[N, C, D, H, W]` for `nearest`, `[N, C, H, W]` for `bilinear`. Settings, PyTorch's
/// keywords, each refusing what PyTorch refuses:
///
/// * [`with_size`](Upsample::with_size): the output's spatial sizes, one value for every axis
///   or one per axis;
/// * [`with_scale_factor`](Upsample::with_scale_factor): multipliers, one or one per axis;
///   the output size is `⌊in · scale⌋`, and, as in PyTorch, the interpolation uses `1 / scale`
///   itself (not `in / out`) unless
///   [`with_recompute_scale_factor(true)`](Upsample::with_recompute_scale_factor);
/// * [`with_mode`](Upsample::with_mode): [`UpsampleMode::Nearest`] (default) or
///   [`UpsampleMode::Bilinear`];
/// * [`with_align_corners`](Upsample::with_align_corners): bilinear only; `true` maps the
///   corner pixels' centres onto each other, `false` (the default behaviour) uses half-pixel
///   centres.
///
/// Exactly one of size and scale factor must be set before the forward pass.
///
/// ```
/// use init_core::{Forward, Upsample, UpsampleMode};
/// use ndarray::ArrayD;
///
/// let x = ArrayD::from_shape_vec(vec![1, 1, 2, 2], vec![1.0, 2.0, 3.0, 4.0]).unwrap();
/// let up = Upsample::new().with_scale_factor([2.0])?;
/// let y = up.forward(x.view())?;
/// assert_eq!(y.shape(), &[1, 1, 4, 4]);
/// assert_eq!(&y.as_slice().unwrap()[..4], &[1.0, 1.0, 2.0, 2.0]);
///
/// let smooth = Upsample::new()
///     .with_size([2, 3])?
///     .with_mode(UpsampleMode::Bilinear)?
///     .with_align_corners(true)?;
/// assert_eq!(smooth.forward(x.view())?.as_slice().unwrap(), &[1.0, 1.5, 2.0, 3.0, 3.5, 4.0]);
///
/// let err = Upsample::new().with_align_corners(true).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "Upsample: align_corners can only be set with the interpolating mode bilinear, got nearest"
/// );
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Upsample {
    size: Option<Vec<usize>>,
    scale_factor: Option<Vec<f64>>,
    mode: UpsampleMode,
    align_corners: Option<bool>,
    recompute_scale_factor: Option<bool>,
}

impl Upsample {
    /// The layer with PyTorch's defaults: no size or scale factor yet, mode nearest.
    pub fn new() -> Self {
        Self::default()
    }

    /// The same layer with PyTorch's `size`: the output's spatial sizes, one value for every
    /// axis or one per spatial axis. Errors: no value, more than 3, a zero, or a scale factor
    /// already set.
    pub fn with_size(mut self, size: impl AsRef<[usize]>) -> Result<Self> {
        let size = size.as_ref();
        settings::check("Upsample", settings::upsample_size(size), size)?;
        let target = settings::upsample_target(true, self.scale_factor.is_some());
        settings::check("Upsample", target, size)?;
        let recompute = settings::upsample_recompute(true, self.recompute_scale_factor);
        settings::check("Upsample", recompute, size)?;
        self.size = Some(size.to_vec());
        Ok(self)
    }

    /// The same layer with PyTorch's `scale_factor`: one multiplier for every spatial axis or
    /// one per axis. Errors: no value, more than 3, one not finite or `<= 0`, or a size
    /// already set.
    pub fn with_scale_factor(mut self, scale_factor: impl AsRef<[f64]>) -> Result<Self> {
        let scale = scale_factor.as_ref();
        settings::check("Upsample", settings::upsample_scale_factor(scale), scale)?;
        let target = settings::upsample_target(self.size.is_some(), true);
        settings::check("Upsample", target, scale)?;
        self.scale_factor = Some(scale.to_vec());
        Ok(self)
    }

    /// The same layer with PyTorch's `mode`. Error: a mode that does not interpolate while
    /// `align_corners` is set.
    pub fn with_mode(mut self, mode: UpsampleMode) -> Result<Self> {
        let verdict = settings::upsample_align_corners(mode.interpolates(), self.align_corners);
        settings::check_shown("Upsample", verdict, mode)?;
        self.mode = mode;
        Ok(self)
    }

    /// The same layer with PyTorch's `align_corners`. Error: the mode does not interpolate
    /// (set [`with_mode`](Upsample::with_mode) first).
    pub fn with_align_corners(mut self, align_corners: bool) -> Result<Self> {
        let verdict =
            settings::upsample_align_corners(self.mode.interpolates(), Some(align_corners));
        settings::check_shown("Upsample", verdict, self.mode)?;
        self.align_corners = Some(align_corners);
        Ok(self)
    }

    /// The same layer with PyTorch's `recompute_scale_factor`: `true` interpolates with
    /// `in / out` instead of `1 / scale_factor`. Error: `true` with a size set.
    pub fn with_recompute_scale_factor(mut self, recompute: bool) -> Result<Self> {
        let verdict = settings::upsample_recompute(self.size.is_some(), Some(recompute));
        settings::check("Upsample", verdict, recompute)?;
        self.recompute_scale_factor = Some(recompute);
        Ok(self)
    }

    /// The output sizes set, if any.
    pub fn size(&self) -> Option<&[usize]> {
        self.size.as_deref()
    }

    /// The scale factors set, if any.
    pub fn scale_factor(&self) -> Option<&[f64]> {
        self.scale_factor.as_deref()
    }

    /// The interpolation.
    pub fn mode(&self) -> UpsampleMode {
        self.mode
    }

    /// `align_corners` as set (`None`: PyTorch's default, `false` for bilinear).
    pub fn align_corners(&self) -> Option<bool> {
        self.align_corners
    }

    /// The spatial output sizes and the scales the kernel uses, for `shape`.
    fn plan(&self, shape: &[usize], spatial: usize) -> Result<(Vec<usize>, Vec<Option<f64>>)> {
        let input = &shape[shape.len() - spatial..];
        let per_axis = |n: usize, what: &str| -> Result<()> {
            if n == 1 || n == spatial {
                return Ok(());
            }
            Err(InitError::input(
                "Upsample",
                format!(
                    "{what} has {n} values but the input of shape {shape:?} has {spatial} spatial axes"
                ),
            ))
        };
        match (&self.size, &self.scale_factor) {
            (Some(size), _) => {
                per_axis(size.len(), "size")?;
                let out = (0..spatial).map(|i| size[i.min(size.len() - 1)]).collect();
                Ok((out, vec![None; spatial]))
            }
            (None, Some(scale)) => {
                per_axis(scale.len(), "scale_factor")?;
                let scales: Vec<f64> =
                    (0..spatial).map(|i| scale[i.min(scale.len() - 1)]).collect();
                let mut out = Vec::with_capacity(spatial);
                for (&len, &s) in input.iter().zip(&scales) {
                    let size = (len as f64 * s).floor();
                    if !(1.0..=i64::MAX as f64).contains(&size) {
                        return Err(InitError::input(
                            "Upsample",
                            format!(
                                "scale_factor {s:?} gives an output size of {size} for an input size of {len} (input of shape {shape:?})"
                            ),
                        ));
                    }
                    out.push(size as usize);
                }
                let recompute = self.recompute_scale_factor == Some(true);
                Ok((out, scales.into_iter().map(|s| (!recompute).then_some(s)).collect()))
            }
            (None, None) => {
                Err(InitError::input("Upsample", "either size or scale_factor should be defined"))
            }
        }
    }
}

impl Zeroed for Upsample {
    /// The layer with PyTorch's default configuration (it has no parameters).
    fn zeroed() -> Self {
        Self::new()
    }
}

impl LayerSpec for Upsample {
    const KIND: LayerKind = LayerKind::Upsample;
    const PARAMS: ParamTable = ParamTable::EMPTY;
}

impl Module for Upsample {
    fn kind(&self) -> LayerKind {
        LayerKind::Upsample
    }

    fn visit<'a>(&'a self, _: &mut dyn Visitor<'a>) {}

    fn visit_mut<'a>(&'a mut self, _: &mut dyn VisitorMut<'a>) {}
}

impl Forward for Upsample {
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || {
            let shape = input.shape();
            let ranks = match self.mode {
                UpsampleMode::Nearest => 3..=5,
                UpsampleMode::Bilinear => 4..=4,
            };
            if !ranks.contains(&shape.len()) {
                let expected = match self.mode {
                    UpsampleMode::Nearest => {
                        "3, 4 or 5 dimensions ([N, C, L], [N, C, H, W] or [N, C, D, H, W])"
                    }
                    UpsampleMode::Bilinear => "4 dimensions ([N, C, H, W])",
                };
                return Err(InitError::input(
                    "Upsample",
                    format!("input of shape {shape:?} must have {expected} for mode {}", self.mode),
                ));
            }
            if shape[1..].contains(&0) {
                return Err(InitError::input(
                    "Upsample",
                    format!(
                        "input of shape {shape:?} must have non-zero channel and spatial sizes"
                    ),
                ));
            }
            let spatial = shape.len() - 2;
            let (out, scales) = self.plan(shape, spatial)?;
            let interp = match self.mode {
                UpsampleMode::Nearest => Interp::Nearest,
                UpsampleMode::Bilinear => {
                    Interp::Bilinear { align_corners: self.align_corners.unwrap_or(false) }
                }
            };
            upsample::upsample("Upsample", input, &out, &scales, interp)
        })
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl Features for Upsample {
    const IN: Width = Width::Any;
    const OUT: Width = Width::Same;
}
