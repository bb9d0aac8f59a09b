//! [`Nonlinearity`] and [`calculate_gain`], as `torch.nn.init.calculate_gain`.

use std::fmt;
use std::str::FromStr;

use crate::error::{ErrorKind, InitError};

/// A nonlinearity name accepted by [`calculate_gain`] and the Kaiming schemes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Nonlinearity {
    /// `"linear"`: gain 1.
    Linear,
    /// `"conv1d"`: gain 1.
    Conv1d,
    /// `"conv2d"`: gain 1.
    Conv2d,
    /// `"conv3d"`: gain 1.
    Conv3d,
    /// `"conv_transpose1d"`: gain 1.
    ConvTranspose1d,
    /// `"conv_transpose2d"`: gain 1.
    ConvTranspose2d,
    /// `"conv_transpose3d"`: gain 1.
    ConvTranspose3d,
    /// `"sigmoid"`: gain 1.
    Sigmoid,
    /// `"tanh"`: gain 5/3.
    Tanh,
    /// `"relu"`: gain √2.
    Relu,
    /// `"leaky_relu"`: gain √(2 / (1 + slope²)), slope 0.01 when not given.
    LeakyRelu,
    /// `"selu"`: gain 3/4.
    Selu,
}

impl Nonlinearity {
    /// Every nonlinearity, in PyTorch's documentation order.
    pub const ALL: [Nonlinearity; 12] = [
        Nonlinearity::Linear,
        Nonlinearity::Conv1d,
        Nonlinearity::Conv2d,
        Nonlinearity::Conv3d,
        Nonlinearity::ConvTranspose1d,
        Nonlinearity::ConvTranspose2d,
        Nonlinearity::ConvTranspose3d,
        Nonlinearity::Sigmoid,
        Nonlinearity::Tanh,
        Nonlinearity::Relu,
        Nonlinearity::LeakyRelu,
        Nonlinearity::Selu,
    ];

    /// The name PyTorch uses (`"leaky_relu"`).
    pub fn name(self) -> &'static str {
        match self {
            Nonlinearity::Linear => "linear",
            Nonlinearity::Conv1d => "conv1d",
            Nonlinearity::Conv2d => "conv2d",
            Nonlinearity::Conv3d => "conv3d",
            Nonlinearity::ConvTranspose1d => "conv_transpose1d",
            Nonlinearity::ConvTranspose2d => "conv_transpose2d",
            Nonlinearity::ConvTranspose3d => "conv_transpose3d",
            Nonlinearity::Sigmoid => "sigmoid",
            Nonlinearity::Tanh => "tanh",
            Nonlinearity::Relu => "relu",
            Nonlinearity::LeakyRelu => "leaky_relu",
            Nonlinearity::Selu => "selu",
        }
    }
}

impl fmt::Display for Nonlinearity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Nonlinearity {
    type Err = InitError;

    /// Parse a PyTorch name; names are case-sensitive, as in PyTorch.
    ///
    /// ```
    /// use init_core::Nonlinearity;
    /// assert_eq!("relu".parse::<Nonlinearity>()?, Nonlinearity::Relu);
    /// assert!("gelu".parse::<Nonlinearity>().unwrap_err().to_string().starts_with("unknown nonlinearity `gelu`"));
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    fn from_str(s: &str) -> Result<Self, InitError> {
        Nonlinearity::ALL.into_iter().find(|n| n.name() == s).ok_or_else(|| {
            InitError::new("", ErrorKind::UnknownNonlinearity { name: s.to_owned() })
        })
    }
}

/// The recommended gain for a nonlinearity, as `torch.nn.init.calculate_gain`.
///
/// `param` is the negative slope of `leaky_relu` (0.01 when `None`) and is ignored for the
/// other nonlinearities. The result is PyTorch's double-precision value to the bit.
///
/// ```
/// use init_core::{calculate_gain, Nonlinearity};
/// assert_eq!(calculate_gain(Nonlinearity::Relu, None), 2f64.sqrt());
/// assert_eq!(calculate_gain(Nonlinearity::Tanh, None), 5.0 / 3.0);
/// assert_eq!(calculate_gain(Nonlinearity::LeakyRelu, Some(0.2)), 1.3867504905630728);
/// ```
pub fn calculate_gain(nonlinearity: Nonlinearity, param: Option<f64>) -> f64 {
    match nonlinearity {
        Nonlinearity::Linear
        | Nonlinearity::Conv1d
        | Nonlinearity::Conv2d
        | Nonlinearity::Conv3d
        | Nonlinearity::ConvTranspose1d
        | Nonlinearity::ConvTranspose2d
        | Nonlinearity::ConvTranspose3d
        | Nonlinearity::Sigmoid => 1.0,
        Nonlinearity::Tanh => 5.0 / 3.0,
        Nonlinearity::Relu => 2.0f64.sqrt(),
        Nonlinearity::LeakyRelu => {
            let slope = param.unwrap_or(0.01);
            (2.0 / (1.0 + slope * slope)).sqrt()
        }
        Nonlinearity::Selu => 3.0 / 4.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gains_match_pytorch_to_the_bit() {
        // Values printed by torch.nn.init.calculate_gain (reference §1.1).
        assert_eq!(calculate_gain(Nonlinearity::LeakyRelu, None), 1.4141428569978354);
        assert_eq!(calculate_gain(Nonlinearity::LeakyRelu, Some(5f64.sqrt())), 0.5773502691896257);
        assert_eq!(calculate_gain(Nonlinearity::Relu, None).to_bits(), 0x3ff6_a09e_667f_3bcd);
        assert_eq!(calculate_gain(Nonlinearity::Tanh, None), 1.6666666666666667);
        assert_eq!(calculate_gain(Nonlinearity::Selu, None), 0.75);
        for n in &Nonlinearity::ALL[..8] {
            assert_eq!(calculate_gain(*n, Some(3.0)), 1.0, "{n}");
        }
    }

    #[test]
    fn names_round_trip() {
        for n in Nonlinearity::ALL {
            assert_eq!(n.name().parse::<Nonlinearity>().unwrap(), n);
        }
        assert!("ReLU".parse::<Nonlinearity>().is_err());
    }
}
