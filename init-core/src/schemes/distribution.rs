//! [`ScalingDistribution`]: the sampling choice of `variance_scaling`.

use std::fmt;
use std::str::FromStr;

use crate::error::{ErrorKind, InitError, Result};

/// How `variance_scaling` draws values of variance `scale / fan`.
///
/// Names follow JAX (`jax.nn.initializers.variance_scaling`): `"normal"` is the untruncated
/// normal. Keras spells that `"untruncated_normal"` (accepted as an alias) and, unlike JAX,
/// treats Keras's own `"normal"` as truncated: write `"truncated_normal"` to be explicit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ScalingDistribution {
    /// `"truncated_normal"`: normal truncated at ±2σ, σ divided by 0.87962566103423978 so
    /// the variance after truncation is exactly `scale / fan`.
    #[default]
    TruncatedNormal,
    /// `"normal"` (alias `"untruncated_normal"`): `N(0, scale / fan)`.
    Normal,
    /// `"uniform"`: `U(-limit, limit)`, `limit = sqrt(3 * scale / fan)`.
    Uniform,
}

impl ScalingDistribution {
    /// The attribute name (`"truncated_normal"`).
    pub fn name(self) -> &'static str {
        match self {
            ScalingDistribution::TruncatedNormal => "truncated_normal",
            ScalingDistribution::Normal => "normal",
            ScalingDistribution::Uniform => "uniform",
        }
    }
}

impl fmt::Display for ScalingDistribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ScalingDistribution {
    type Err = InitError;

    /// ```
    /// use init_core::ScalingDistribution;
    /// assert_eq!("untruncated_normal".parse::<ScalingDistribution>()?, ScalingDistribution::Normal);
    /// assert!("gaussian".parse::<ScalingDistribution>().is_err());
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "truncated_normal" => Ok(ScalingDistribution::TruncatedNormal),
            "normal" | "untruncated_normal" => Ok(ScalingDistribution::Normal),
            "uniform" => Ok(ScalingDistribution::Uniform),
            _ => Err(InitError::new("", ErrorKind::UnknownDistribution { name: s.to_owned() })),
        }
    }
}
