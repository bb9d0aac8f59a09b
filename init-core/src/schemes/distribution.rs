//! [`Distribution`]: the sampling choice of `variance_scaling`.

use std::fmt;
use std::str::FromStr;

use crate::error::{ErrorKind, InitError, Result};

/// How `variance_scaling` draws values of variance `scale / fan`.
///
/// Names follow JAX (`jax.nn.initializers.variance_scaling`): `"normal"` is the untruncated
/// normal. Keras spells that `"untruncated_normal"` (accepted as an alias) and, unlike JAX,
/// treats Keras's own `"normal"` as truncated: write `"truncated_normal"` to be explicit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Distribution {
    /// `"truncated_normal"`: normal truncated at ±2σ, σ divided by 0.87962566103423978 so
    /// the variance after truncation is exactly `scale / fan`.
    #[default]
    TruncatedNormal,
    /// `"normal"` (alias `"untruncated_normal"`): `N(0, scale / fan)`.
    Normal,
    /// `"uniform"`: `U(-limit, limit)`, `limit = sqrt(3 * scale / fan)`.
    Uniform,
}

impl Distribution {
    /// The attribute name (`"truncated_normal"`).
    pub fn name(self) -> &'static str {
        match self {
            Distribution::TruncatedNormal => "truncated_normal",
            Distribution::Normal => "normal",
            Distribution::Uniform => "uniform",
        }
    }
}

impl fmt::Display for Distribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Distribution {
    type Err = InitError;

    /// ```
    /// use init_core::Distribution;
    /// assert_eq!("untruncated_normal".parse::<Distribution>()?, Distribution::Normal);
    /// assert!("gaussian".parse::<Distribution>().is_err());
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "truncated_normal" => Ok(Distribution::TruncatedNormal),
            "normal" | "untruncated_normal" => Ok(Distribution::Normal),
            "uniform" => Ok(Distribution::Uniform),
            _ => Err(InitError::new("", ErrorKind::UnknownDistribution { name: s.to_owned() })),
        }
    }
}
