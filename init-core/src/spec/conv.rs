//! The rules on a convolution's runtime settings (per-axis stride and dilation, `padding =
//! "same"`, the padding mode, the output padding of a transposed convolution) and on how its
//! padding fits an input, each written once as a `const fn` returning a [`Msg`]: empty when
//! the rule holds, else `"<layer>: <rule broken>"`. The layers' `with_*` builders and their
//! forward passes return these messages as errors; the derive can evaluate the same functions
//! in a `const` to report a field's settings at compile time.

use std::fmt;
use std::str::FromStr;

use super::message::Msg;
use crate::error::{InitError, Result};

/// How a convolution pads its input, PyTorch's `padding_mode`: with zeros (the default), by
/// reflecting the input at its edges (without repeating the edge), by repeating the edge
/// value, or by wrapping around (circular).
///
/// Only convolutions accept the three non-zero modes; transposed convolutions accept
/// `Zeros` alone, as in PyTorch. `reflect` needs a padding smaller than the input on each
/// axis, `circular` one no larger than the input, and `replicate` a non-empty input.
///
/// ```
/// use init_core::PaddingMode;
/// assert_eq!("reflect".parse::<PaddingMode>()?, PaddingMode::Reflect);
/// assert_eq!(PaddingMode::Circular.to_string(), "circular");
/// assert_eq!(PaddingMode::default(), PaddingMode::Zeros);
/// assert_eq!(
///     "mirror".parse::<PaddingMode>().unwrap_err().to_string(),
///     "padding_mode: \"mirror\" is not one of \"zeros\", \"reflect\", \"replicate\", \"circular\""
/// );
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PaddingMode {
    /// Zeros outside the input (PyTorch's `"zeros"`).
    #[default]
    Zeros,
    /// The input mirrored at its edges, the edge not repeated (`"reflect"`).
    Reflect,
    /// The edge value repeated (`"replicate"`).
    Replicate,
    /// The input wrapped around (`"circular"`).
    Circular,
}

impl PaddingMode {
    /// Every mode, in PyTorch's order.
    pub const ALL: [PaddingMode; 4] =
        [PaddingMode::Zeros, PaddingMode::Reflect, PaddingMode::Replicate, PaddingMode::Circular];

    /// PyTorch's name of the mode (`"reflect"`).
    ///
    /// ```
    /// assert_eq!(init_core::PaddingMode::Replicate.name(), "replicate");
    /// ```
    pub const fn name(self) -> &'static str {
        match self {
            PaddingMode::Zeros => "zeros",
            PaddingMode::Reflect => "reflect",
            PaddingMode::Replicate => "replicate",
            PaddingMode::Circular => "circular",
        }
    }

    /// The mode PyTorch names `name`, if any (what `FromStr` and the derive's
    /// `padding_mode = "..."` accept).
    ///
    /// ```
    /// use init_core::PaddingMode;
    /// assert_eq!(PaddingMode::from_name("circular"), Some(PaddingMode::Circular));
    /// assert_eq!(PaddingMode::from_name("mirror"), None);
    /// ```
    pub const fn from_name(name: &str) -> Option<PaddingMode> {
        let mut i = 0;
        while i < PaddingMode::ALL.len() {
            if super::str_eq(PaddingMode::ALL[i].name(), name) {
                return Some(PaddingMode::ALL[i]);
            }
            i += 1;
        }
        None
    }
}

impl fmt::Display for PaddingMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for PaddingMode {
    type Err = InitError;

    fn from_str(s: &str) -> Result<Self> {
        PaddingMode::from_name(s).ok_or_else(|| {
            let names: Vec<String> =
                PaddingMode::ALL.iter().map(|m| format!("\"{}\"", m.name())).collect();
            InitError::config("padding_mode", format!("\"{s}\" is not one of {}", names.join(", ")))
        })
    }
}

/// `"<layer>: "`.
const fn start(layer: &str) -> Msg {
    Msg::new().str(layer).str(": ")
}

/// Every per-axis value of `what` (stride, dilation) must be > 0.
///
/// ```
/// use init_core::spec::conv_axes_positive;
/// assert_eq!(conv_axes_positive("Conv2d", "stride", &[2, 1]).message(), None);
/// assert_eq!(
///     conv_axes_positive("Conv2d", "stride", &[2, 0]).message(),
///     Some("Conv2d: stride must be > 0 on every axis, got [2, 0]")
/// );
/// ```
pub const fn conv_axes_positive(layer: &str, what: &str, values: &[usize]) -> Msg {
    let mut i = 0;
    while i < values.len() {
        if values[i] == 0 {
            return start(layer).str(what).str(" must be > 0 on every axis, got ").shape(values);
        }
        i += 1;
    }
    Msg::new()
}

/// `padding = "same"` refuses a stride above 1 on any axis (PyTorch: "padding='same' is not
/// supported for strided convolutions").
///
/// ```
/// use init_core::spec::conv_same_padding;
/// assert_eq!(conv_same_padding("Conv2d", &[1, 1]).message(), None);
/// assert_eq!(
///     conv_same_padding("Conv2d", &[1, 2]).message(),
///     Some("Conv2d: padding = \"same\" is not supported for strided convolutions, got stride = [1, 2]")
/// );
/// ```
pub const fn conv_same_padding(layer: &str, stride: &[usize]) -> Msg {
    let mut i = 0;
    while i < stride.len() {
        if stride[i] != 1 {
            return start(layer)
                .str("padding = \"same\" is not supported for strided convolutions, got stride = ")
                .shape(stride);
        }
        i += 1;
    }
    Msg::new()
}

/// A transposed convolution pads with zeros only (PyTorch: 'Only "zeros" padding mode is
/// supported for ConvTranspose2d').
///
/// ```
/// use init_core::PaddingMode;
/// use init_core::spec::conv_padding_mode;
/// assert_eq!(conv_padding_mode("Conv2d", false, PaddingMode::Reflect).message(), None);
/// assert_eq!(
///     conv_padding_mode("ConvTranspose2d", true, PaddingMode::Reflect).message(),
///     Some("ConvTranspose2d: only padding_mode = \"zeros\" is supported, got \"reflect\"")
/// );
/// ```
pub const fn conv_padding_mode(layer: &str, transposed: bool, mode: PaddingMode) -> Msg {
    if transposed && !matches!(mode, PaddingMode::Zeros) {
        return start(layer)
            .str("only padding_mode = \"zeros\" is supported, got \"")
            .str(mode.name())
            .str("\"");
    }
    Msg::new()
}

/// A transposed convolution's output padding must be smaller than the stride or than the
/// dilation, on every axis.
///
/// ```
/// use init_core::spec::conv_output_padding;
/// assert_eq!(conv_output_padding("ConvTranspose1d", &[1], &[2], &[1]).message(), None);
/// assert_eq!(
///     conv_output_padding("ConvTranspose2d", &[0, 2], &[1, 2], &[1, 1]).message(),
///     Some("ConvTranspose2d: output_padding = [0, 2] must be smaller than either stride = \
///           [1, 2] or dilation = [1, 1] on every axis")
/// );
/// ```
pub const fn conv_output_padding(
    layer: &str,
    output_padding: &[usize],
    stride: &[usize],
    dilation: &[usize],
) -> Msg {
    let mut i = 0;
    while i < output_padding.len() && i < stride.len() && i < dilation.len() {
        if output_padding[i] >= stride[i] && output_padding[i] >= dilation[i] {
            return start(layer)
                .str("output_padding = ")
                .shape(output_padding)
                .str(" must be smaller than either stride = ")
                .shape(stride)
                .str(" or dilation = ")
                .shape(dilation)
                .str(" on every axis");
        }
        i += 1;
    }
    Msg::new()
}

/// A `padding_mode` written by name must be one of PyTorch's four (the message of
/// `PaddingMode`'s `FromStr`).
///
/// ```
/// use init_core::spec::conv_padding_mode_name;
/// assert_eq!(conv_padding_mode_name("Conv2d", "reflect").message(), None);
/// assert_eq!(
///     conv_padding_mode_name("Conv2d", "mirror").message(),
///     Some("Conv2d: padding_mode: \"mirror\" is not one of \"zeros\", \"reflect\", \"replicate\", \"circular\"")
/// );
/// ```
pub const fn conv_padding_mode_name(layer: &str, name: &str) -> Msg {
    if PaddingMode::from_name(name).is_some() {
        return Msg::new();
    }
    let mut msg = start(layer).str("padding_mode: \"").str(name).str("\" is not one of ");
    let mut i = 0;
    while i < PaddingMode::ALL.len() {
        if i > 0 {
            msg = msg.str(", ");
        }
        msg = msg.str("\"").str(PaddingMode::ALL[i].name()).str("\"");
        i += 1;
    }
    msg
}

/// A `padding` written by name must be PyTorch's `"same"` or `"valid"`.
///
/// ```
/// use init_core::spec::conv_padding_name;
/// assert_eq!(conv_padding_name("Conv1d", "same").message(), None);
/// assert_eq!(
///     conv_padding_name("Conv1d", "full").message(),
///     Some("Conv1d: padding must be a number, a tuple, \"same\" or \"valid\", got \"full\"")
/// );
/// ```
pub const fn conv_padding_name(layer: &str, name: &str) -> Msg {
    if super::str_eq(name, "same") || super::str_eq(name, "valid") {
        return Msg::new();
    }
    start(layer)
        .str("padding must be a number, a tuple, \"same\" or \"valid\", got \"")
        .str(name)
        .str("\"")
}

/// Every rule on a convolution's runtime settings, in order; the first broken one speaks.
/// `same` is whether the padding is `"same"`; `output_padding` is all zeros for a
/// convolution that is not transposed.
pub const fn conv_settings(
    layer: &str,
    transposed: bool,
    stride: &[usize],
    same: bool,
    dilation: &[usize],
    mode: PaddingMode,
    output_padding: &[usize],
) -> Msg {
    let verdicts = [
        conv_axes_positive(layer, "stride", stride),
        conv_axes_positive(layer, "dilation", dilation),
        if same { conv_same_padding(layer, stride) } else { Msg::new() },
        conv_padding_mode(layer, transposed, mode),
        conv_output_padding(layer, output_padding, stride, dilation),
    ];
    let mut i = 0;
    while i < verdicts.len() {
        if verdicts[i].message().is_some() {
            return verdicts[i];
        }
        i += 1;
    }
    Msg::new()
}

/// Whether padding `lo` before and `hi` after an axis of `size` elements fits `mode`:
/// `reflect` needs both smaller than `size`, `circular` both at most `size`, `replicate` a
/// non-empty axis; zeros fit any size.
///
/// ```
/// use init_core::PaddingMode;
/// use init_core::spec::conv_padding_fits;
/// assert_eq!(conv_padding_fits("Conv1d", PaddingMode::Reflect, &[2], &[2], &[3]).message(), None);
/// assert_eq!(
///     conv_padding_fits("Conv1d", PaddingMode::Reflect, &[3], &[3], &[3]).message(),
///     Some("Conv1d: padding_mode = \"reflect\" needs a padding smaller than the input on \
///           every axis, got padding (3, 3) on spatial axis 0 of size 3")
/// );
/// ```
pub const fn conv_padding_fits(
    layer: &str,
    mode: PaddingMode,
    lo: &[usize],
    hi: &[usize],
    size: &[usize],
) -> Msg {
    let rule = match mode {
        PaddingMode::Zeros => return Msg::new(),
        PaddingMode::Reflect => "a padding smaller than the input",
        PaddingMode::Replicate => "a non-empty input",
        PaddingMode::Circular => "a padding no larger than the input",
    };
    let mut j = 0;
    while j < size.len() && j < lo.len() && j < hi.len() {
        let (l, h, n) = (lo[j], hi[j], size[j]);
        let fits = match mode {
            PaddingMode::Reflect => l < n && h < n,
            PaddingMode::Replicate => n > 0,
            PaddingMode::Circular | PaddingMode::Zeros => l <= n && h <= n,
        };
        if !fits {
            return start(layer)
                .str("padding_mode = \"")
                .str(mode.name())
                .str("\" needs ")
                .str(rule)
                .str(" on every axis, got padding (")
                .num(l)
                .str(", ")
                .num(h)
                .str(") on spatial axis ")
                .num(j)
                .str(" of size ")
                .num(n);
        }
        j += 1;
    }
    Msg::new()
}

/// The rule a broken verdict states, without its `"<layer>: "` prefix.
pub(crate) fn rule_text<'m>(layer: &str, verdict: &'m Msg) -> Option<&'m str> {
    verdict.message().map(|m| m.strip_prefix(layer).and_then(|r| r.strip_prefix(": ")).unwrap_or(m))
}

/// The error for a broken verdict `"<layer>: <rule>"`.
pub(crate) fn config_error(layer: &'static str, verdict: &Msg) -> Option<InitError> {
    rule_text(layer, verdict).map(|rule| InitError::config(layer, rule))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_broken_setting_speaks() {
        let v = |stride: &[usize], same, mode, op: &[usize]| {
            conv_settings("ConvTranspose2d", true, stride, same, &[1, 1], mode, op)
        };
        assert_eq!(v(&[1, 1], false, PaddingMode::Zeros, &[0, 0]).message(), None);
        assert_eq!(
            v(&[0, 1], true, PaddingMode::Reflect, &[0, 0]).message(),
            Some("ConvTranspose2d: stride must be > 0 on every axis, got [0, 1]")
        );
        assert_eq!(
            v(&[2, 1], true, PaddingMode::Reflect, &[0, 0]).message(),
            Some(
                "ConvTranspose2d: padding = \"same\" is not supported for strided convolutions, \
                 got stride = [2, 1]"
            )
        );
        assert_eq!(
            v(&[2, 1], false, PaddingMode::Circular, &[3, 0]).message(),
            Some("ConvTranspose2d: only padding_mode = \"zeros\" is supported, got \"circular\"")
        );
        let err = config_error("ConvTranspose2d", &v(&[2, 1], false, PaddingMode::Zeros, &[1, 1]));
        assert_eq!(
            err.unwrap().to_string(),
            "ConvTranspose2d: output_padding = [1, 1] must be smaller than either stride = [2, 1] \
             or dilation = [1, 1] on every axis"
        );
    }

    #[test]
    fn each_mode_has_its_own_size_rule() {
        let fits = |mode, lo: usize, hi: usize, n: usize| {
            conv_padding_fits("Conv1d", mode, &[lo], &[hi], &[n]).message().is_none()
        };
        use PaddingMode::*;
        assert!(fits(Zeros, 9, 9, 0));
        assert!(fits(Reflect, 2, 0, 3) && !fits(Reflect, 3, 0, 3) && !fits(Reflect, 0, 0, 0));
        assert!(fits(Circular, 3, 3, 3) && !fits(Circular, 0, 4, 3) && fits(Circular, 0, 0, 0));
        assert!(fits(Replicate, 9, 9, 1) && !fits(Replicate, 0, 0, 0));
        assert_eq!(
            conv_padding_fits("Conv2d", Circular, &[0, 4], &[0, 4], &[5, 3]).message(),
            Some(
                "Conv2d: padding_mode = \"circular\" needs a padding no larger than the input on \
                 every axis, got padding (4, 4) on spatial axis 1 of size 3"
            )
        );
    }
}
