//! The runtime settings every convolution shares: [`Padding`], and `conv_settings!`, which
//! writes each convolution's getters and `with_*` builders (per-axis stride, padding,
//! dilation, padding mode; output padding for the transposed ones) over its
//! [`ConvSpec`](crate::kernels::conv::ConvSpec). Each builder checks the whole configuration
//! with the one rule set of `spec/conv.rs`.

use crate::kernels::conv::Pad;

/// A convolution's `padding`, PyTorch's `int`, tuple, `"valid"` or `"same"`: a number of
/// zeros (or padded elements, see [`PaddingMode`](crate::PaddingMode)) before and after
/// each of the `D` spatial axes, none, or as many as keep the output the size of the input.
///
/// `Same` pads `dilation · (kernel − 1)` elements per axis, half before and half after; when
/// that total is odd, the extra element goes after (right, bottom), as in PyTorch. It
/// refuses a stride above 1. Transposed convolutions take explicit padding only.
///
/// ```
/// use init_core::{Conv2d, Padding};
/// // nn.Conv2d(768, 192, kernel_size=(1, 7), padding=(0, 3)), Inception-v3's 1x7
/// let conv = Conv2d::<768, 192, 1, 1, 0, 1, 1, true, 7>::zeroed().with_padding([0, 3])?;
/// assert_eq!(conv.padding(), Padding::Explicit([0, 3]));
/// assert_eq!(Padding::<2>::from(1), Padding::Explicit([1, 1]));
/// let same = Conv2d::<4, 4, 4>::zeroed().with_padding(Padding::Same)?;
/// assert_eq!(same.padding(), Padding::Same);
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Padding<const D: usize> {
    /// No padding (PyTorch's `"valid"`).
    Valid,
    /// The output as large as the input (PyTorch's `"same"`; stride 1 only).
    Same,
    /// This many elements before and after each axis.
    Explicit([usize; D]),
}

impl<const D: usize> From<usize> for Padding<D> {
    fn from(p: usize) -> Self {
        Padding::Explicit([p; D])
    }
}

impl<const D: usize> From<[usize; D]> for Padding<D> {
    fn from(p: [usize; D]) -> Self {
        Padding::Explicit(p)
    }
}

impl<const D: usize> Padding<D> {
    /// The kernel's form.
    pub(crate) fn to_pad(self) -> Pad {
        match self {
            Padding::Valid => Pad::Valid,
            Padding::Same => Pad::Same,
            Padding::Explicit(p) => {
                let mut all = [0; 3];
                all[..D].copy_from_slice(&p);
                Pad::Explicit(all)
            }
        }
    }

    /// From the kernel's form.
    pub(crate) fn from_pad(pad: Pad) -> Self {
        match pad {
            Pad::Valid => Padding::Valid,
            Pad::Same => Padding::Same,
            Pad::Explicit(p) => Padding::Explicit(std::array::from_fn(|j| p[j])),
        }
    }
}

/// `[a, b, c]` cut to its first `D` entries.
pub(crate) fn first<const D: usize>(all: &[usize; 3]) -> [usize; D] {
    std::array::from_fn(|j| all[j])
}

/// `values` in the first `D` entries of `all`.
pub(crate) fn set<const D: usize>(all: &mut [usize; 3], values: [usize; D]) {
    all[..D].copy_from_slice(&values);
}

/// The getters and builders of a convolution (`conv`) or transposed convolution
/// (`transposed`), inside its inherent `impl`; the layer holds its `ConvSpec` as `spec`.
/// `ty` names an instance for the examples, `axes` a valid per-axis value with a 2 first,
/// `bad` an invalid one (a zero), `op` an output padding that fits a stride of `axes`.
macro_rules! conv_settings {
    (conv, $layer:literal, $d:literal, $ty:literal, $axes:literal, $bad:literal) => {
        $crate::layers::conv_settings::conv_settings!(common, $layer, $d, $ty, $axes, $bad);

        /// The padding (PyTorch's `padding`): `PAD` on every axis unless set by
        /// [`with_padding`](Self::with_padding).
        pub fn padding(&self) -> $crate::layers::Padding<$d> {
            $crate::layers::Padding::from_pad(self.spec.padding)
        }

        /// The layer with another padding (PyTorch's `padding`): a number for every axis,
        /// one per axis, [`Padding::Valid`](crate::Padding::Valid) or
        /// [`Padding::Same`](crate::Padding::Same), which is an error with a stride above 1.
        ///
        /// ```
        #[doc = concat!("use init_core::{", $layer, ", Padding};")]
        #[doc = concat!("let conv = ", $ty, "::zeroed().with_padding(", $axes, ")?;")]
        #[doc = concat!("assert_eq!(conv.padding(), Padding::Explicit(", $axes, "));")]
        #[doc = concat!("let same = ", $ty, "::zeroed().with_padding(Padding::Same)?;")]
        #[doc = concat!("assert!(same.with_stride(", $axes, ").is_err());")]
        /// # Ok::<(), init_core::InitError>(())
        /// ```
        pub fn with_padding(
            mut self,
            padding: impl Into<$crate::layers::Padding<$d>>,
        ) -> $crate::error::Result<Self> {
            let mut spec = self.spec;
            spec.padding = padding.into().to_pad();
            spec.check()?;
            self.spec = spec;
            Ok(self)
        }
    };
    (transposed, $layer:literal, $d:literal, $ty:literal, $axes:literal, $bad:literal, $op:literal) => {
        $crate::layers::conv_settings::conv_settings!(common, $layer, $d, $ty, $axes, $bad);

        /// The padding per axis (PyTorch's `padding`): `PAD` on every axis unless set by
        /// [`with_padding`](Self::with_padding).
        pub fn padding(&self) -> [usize; $d] {
            match self.spec.padding {
                $crate::kernels::conv::Pad::Explicit(p) => $crate::layers::conv_settings::first(&p),
                _ => [0; $d],
            }
        }

        /// The layer with another padding per axis (PyTorch's `padding`; a transposed
        /// convolution has no `"same"`).
        ///
        /// ```
        #[doc = concat!("use init_core::", $layer, ";")]
        #[doc = concat!("let up = ", $ty, "::zeroed().with_padding(", $axes, ")?;")]
        #[doc = concat!("assert_eq!(up.padding(), ", $axes, ");")]
        /// # Ok::<(), init_core::InitError>(())
        /// ```
        pub fn with_padding(mut self, padding: [usize; $d]) -> $crate::error::Result<Self> {
            let mut spec = self.spec;
            spec.padding = $crate::layers::Padding::Explicit(padding).to_pad();
            spec.check()?;
            self.spec = spec;
            Ok(self)
        }

        /// The output padding per axis (PyTorch's `output_padding`): `OUT_PAD` on every
        /// axis unless set by [`with_output_padding`](Self::with_output_padding).
        pub fn output_padding(&self) -> [usize; $d] {
            $crate::layers::conv_settings::first(&self.spec.output_padding)
        }

        /// The layer with another output padding per axis (PyTorch's `output_padding`):
        /// extra output elements after each axis, an error unless smaller than the stride or
        /// the dilation on that axis.
        ///
        /// ```
        #[doc = concat!("use init_core::", $layer, ";")]
        #[doc = concat!("let up = ", $ty, "::zeroed().with_stride(", $axes, ")?;")]
        #[doc = concat!("let up = up.with_output_padding(", $op, ")?;")]
        #[doc = concat!("assert_eq!(up.output_padding(), ", $op, ");")]
        #[doc = concat!("assert!(up.with_output_padding(", $axes, ").is_err());")]
        /// # Ok::<(), init_core::InitError>(())
        /// ```
        pub fn with_output_padding(
            mut self,
            output_padding: [usize; $d],
        ) -> $crate::error::Result<Self> {
            let mut spec = self.spec;
            $crate::layers::conv_settings::set(&mut spec.output_padding, output_padding);
            spec.check()?;
            self.spec = spec;
            Ok(self)
        }
    };
    (common, $layer:literal, $d:literal, $ty:literal, $axes:literal, $bad:literal) => {
        /// The kernel size per axis (PyTorch's `kernel_size`), from the const generics.
        pub fn kernel_size(&self) -> [usize; $d] {
            $crate::layers::conv_settings::first(&self.spec.kernel)
        }

        /// The stride per axis (PyTorch's `stride`): `STRIDE` on every axis unless set by
        /// [`with_stride`](Self::with_stride).
        pub fn stride(&self) -> [usize; $d] {
            $crate::layers::conv_settings::first(&self.spec.stride)
        }

        /// The dilation per axis (PyTorch's `dilation`): `DIL` on every axis unless set by
        /// [`with_dilation`](Self::with_dilation).
        pub fn dilation(&self) -> [usize; $d] {
            $crate::layers::conv_settings::first(&self.spec.dilation)
        }

        /// How the padding is filled (PyTorch's `padding_mode`): zeros unless set by
        /// [`with_padding_mode`](Self::with_padding_mode).
        pub fn padding_mode(&self) -> $crate::spec::PaddingMode {
            self.spec.mode
        }

        /// The layer with another stride per axis (PyTorch's `stride`): an error if a value
        /// is 0, or above 1 with `padding = "same"`.
        ///
        /// ```
        #[doc = concat!("use init_core::", $layer, ";")]
        #[doc = concat!("let conv = ", $ty, "::zeroed().with_stride(", $axes, ")?;")]
        #[doc = concat!("assert_eq!(conv.stride(), ", $axes, ");")]
        #[doc = concat!("let err = conv.with_stride(", $bad, ").unwrap_err();")]
        #[doc = concat!("assert_eq!(err.to_string(), \"", $layer, ": stride must be > 0 on every axis, got ", $bad, "\");")]
        /// # Ok::<(), init_core::InitError>(())
        /// ```
        pub fn with_stride(mut self, stride: [usize; $d]) -> $crate::error::Result<Self> {
            let mut spec = self.spec;
            $crate::layers::conv_settings::set(&mut spec.stride, stride);
            spec.check()?;
            self.spec = spec;
            Ok(self)
        }

        /// The layer with another dilation per axis (PyTorch's `dilation`): an error if a
        /// value is 0.
        ///
        /// ```
        #[doc = concat!("use init_core::", $layer, ";")]
        #[doc = concat!("let conv = ", $ty, "::zeroed().with_dilation(", $axes, ")?;")]
        #[doc = concat!("assert_eq!(conv.dilation(), ", $axes, ");")]
        #[doc = concat!("assert!(conv.with_dilation(", $bad, ").is_err());")]
        /// # Ok::<(), init_core::InitError>(())
        /// ```
        pub fn with_dilation(mut self, dilation: [usize; $d]) -> $crate::error::Result<Self> {
            let mut spec = self.spec;
            $crate::layers::conv_settings::set(&mut spec.dilation, dilation);
            spec.check()?;
            self.spec = spec;
            Ok(self)
        }

        /// The layer with another padding mode (PyTorch's `padding_mode`): `zeros`,
        /// `reflect`, `replicate` or `circular` for a convolution, `zeros` only for a
        /// transposed one. The input sizes each mode needs are checked by `forward`.
        ///
        /// ```
        #[doc = concat!("use init_core::{", $layer, ", PaddingMode};")]
        #[doc = concat!("let layer = ", $ty, "::zeroed();")]
        /// let zeros = layer.clone().with_padding_mode(PaddingMode::Zeros)?;
        /// assert_eq!(zeros.padding_mode(), PaddingMode::Zeros);
        /// let reflect = layer.with_padding_mode("reflect".parse()?);
        #[doc = concat!("assert_eq!(reflect.is_err(), \"", $layer, "\".starts_with(\"ConvTranspose\"));")]
        /// # Ok::<(), init_core::InitError>(())
        /// ```
        pub fn with_padding_mode(
            mut self,
            mode: $crate::spec::PaddingMode,
        ) -> $crate::error::Result<Self> {
            let mut spec = self.spec;
            spec.mode = mode;
            spec.check()?;
            self.spec = spec;
            Ok(self)
        }
    };
}

pub(crate) use conv_settings;
