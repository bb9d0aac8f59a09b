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
    /// Every distribution.
    pub const ALL: [ScalingDistribution; 3] = [
        ScalingDistribution::TruncatedNormal,
        ScalingDistribution::Normal,
        ScalingDistribution::Uniform,
    ];

    /// Every accepted spelling with its value: the names, then the aliases.
    ///
    /// ```
    /// use init_core::ScalingDistribution;
    /// assert!(ScalingDistribution::NAMES.contains(&("untruncated_normal", ScalingDistribution::Normal)));
    /// ```
    pub const NAMES: [(&'static str, ScalingDistribution); 4] = [
        ("truncated_normal", ScalingDistribution::TruncatedNormal),
        ("normal", ScalingDistribution::Normal),
        ("uniform", ScalingDistribution::Uniform),
        ("untruncated_normal", ScalingDistribution::Normal),
    ];

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
        let found = ScalingDistribution::NAMES.iter().find(|(name, _)| *name == s);
        found.map(|&(_, d)| d).ok_or_else(|| {
            InitError::new("", ErrorKind::UnknownDistribution { name: s.to_owned() })
        })
    }
}
