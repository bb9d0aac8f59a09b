//! The names an attribute can use for a closed set of values (schemes, nonlinearities, fan
//! modes, distributions), each set an enum with its accepted spellings. A name is turned into
//! its value once, where the attribute is parsed; later stages match on the enum.
//!
//! The runtime has its own lists (`init_core::Nonlinearity::ALL`, `FromStr`, ...); the tests
//! at the bottom pin the two equal, name for name and value for value.

/// A closed set of named values.
pub(crate) trait Named: Copy + PartialEq + Sized + 'static {
    /// What a value is, in messages ("nonlinearity").
    const WHAT: &'static str;
    /// The runtime type it stands for (`init::Nonlinearity`).
    const RUNTIME_TYPE: &'static str;
    /// Every accepted spelling with its value, each alias after its canonical name.
    const NAMES: &'static [(&'static str, Self)];
    /// Every value.
    const ALL: &'static [Self];
    /// The canonical name (`"leaky_relu"`).
    fn name(self) -> &'static str;
    /// The variant of the runtime type it stands for (`"LeakyRelu"`).
    fn variant(self) -> &'static str;

    /// The value a written name stands for.
    fn from_name(text: &str) -> Option<Self> {
        Self::NAMES.iter().find(|(name, _)| *name == text).map(|&(_, value)| value)
    }
}

/// `names! { enum X: "what" => RuntimeType { Variant = "name" | "alias", ... } }`: the enum,
/// its spellings and its runtime variants, from one list.
macro_rules! names {
    (
        $(#[$meta:meta])*
        enum $ty:ident: $what:literal => $runtime:ident {
            $($(#[$vmeta:meta])* $variant:ident = $name:literal $(| $alias:literal)*,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum $ty {
            $($(#[$vmeta])* $variant,)*
        }

        impl Named for $ty {
            const WHAT: &'static str = $what;
            const RUNTIME_TYPE: &'static str = stringify!($runtime);
            const NAMES: &'static [(&'static str, Self)] =
                &[$(($name, $ty::$variant), $(($alias, $ty::$variant),)*)*];
            const ALL: &'static [Self] = &[$($ty::$variant,)*];
            fn name(self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)*
                }
            }
            fn variant(self) -> &'static str {
                match self {
                    $($ty::$variant => stringify!($variant),)*
                }
            }
        }
    };
}

names! {
    /// A scheme of `#[init(...)]`; the variant names are those of `init::Init`.
    enum SchemeName: "init scheme" => Init {
        Uniform = "uniform",
        Normal = "normal",
        TruncNormal = "trunc_normal",
        Constant = "constant",
        Ones = "ones",
        Zeros = "zeros",
        Eye = "eye",
        Dirac = "dirac",
        XavierUniform = "xavier_uniform",
        XavierNormal = "xavier_normal",
        KaimingUniform = "kaiming_uniform",
        KaimingNormal = "kaiming_normal",
        Orthogonal = "orthogonal",
        Sparse = "sparse",
        LecunUniform = "lecun_uniform",
        LecunNormal = "lecun_normal",
        VarianceScaling = "variance_scaling",
        DeltaOrthogonal = "delta_orthogonal",
        Values = "values",
    }
}

names! {
    /// `nonlinearity = "..."` of the Kaiming schemes.
    enum Nonlinearity: "nonlinearity" => Nonlinearity {
        Linear = "linear",
        Conv1d = "conv1d",
        Conv2d = "conv2d",
        Conv3d = "conv3d",
        ConvTranspose1d = "conv_transpose1d",
        ConvTranspose2d = "conv_transpose2d",
        ConvTranspose3d = "conv_transpose3d",
        Sigmoid = "sigmoid",
        Tanh = "tanh",
        Relu = "relu",
        LeakyRelu = "leaky_relu",
        Selu = "selu",
    }
}

names! {
    /// `mode = "..."`: which fan scales the variance.
    #[allow(clippy::enum_variant_names)] // the runtime's names
    enum FanMode: "mode" => FanMode {
        FanIn = "fan_in",
        FanOut = "fan_out",
        FanAvg = "fan_avg",
    }
}

names! {
    /// `distribution = "..."` of `variance_scaling`.
    enum Distribution: "distribution" => ScalingDistribution {
        TruncatedNormal = "truncated_normal",
        Normal = "normal" | "untruncated_normal",
        Uniform = "uniform",
    }
}

/// The fan modes Kaiming accepts (PyTorch has no `fan_avg`).
pub(crate) const KAIMING_MODES: &[FanMode] = &[FanMode::FanIn, FanMode::FanOut];

/// No upper limit on a rank.
pub(crate) const ANY_RANK: usize = usize::MAX;

impl SchemeName {
    /// The ranks of parameter the scheme accepts, `min..=max`.
    pub(crate) const fn ranks(self) -> (usize, usize) {
        use SchemeName::*;
        match self {
            Uniform | Normal | TruncNormal | Constant | Ones | Zeros | Values => (0, ANY_RANK),
            Eye | Sparse => (2, 2),
            Dirac | DeltaOrthogonal => (3, 5),
            XavierUniform | XavierNormal | KaimingUniform | KaimingNormal | Orthogonal
            | LecunUniform | LecunNormal | VarianceScaling => (2, ANY_RANK),
        }
    }
}

#[cfg(test)]
mod tests {
    //! The derive's lists against the runtime's (`init-core` is a dev-dependency).
    use super::*;
    use init_core::{FanAxes, Init, Param, ScalingDistribution, Seed, Values};

    /// Every spelling the derive accepts parses at runtime to the value the derive writes,
    /// and every runtime value is accepted by the derive under its runtime name.
    fn pin<D: Named, R>(runtime_all: &[R])
    where
        R: Copy + std::fmt::Debug + std::fmt::Display + std::str::FromStr,
        R::Err: std::fmt::Debug,
    {
        for &(name, value) in D::NAMES {
            let parsed: R =
                name.parse().unwrap_or_else(|e| panic!("runtime refuses {name}: {e:?}"));
            assert_eq!(format!("{parsed:?}"), value.variant(), "{name}");
        }
        for r in runtime_all {
            let name = r.to_string();
            let value = D::from_name(&name).unwrap_or_else(|| panic!("derive refuses {name}"));
            assert_eq!(value.variant(), format!("{r:?}"), "{name}");
        }
        assert_eq!(D::ALL.len(), runtime_all.len(), "{}", D::WHAT);
        let runtime_type = std::any::type_name::<R>();
        assert!(runtime_type.ends_with(&format!("::{}", D::RUNTIME_TYPE)), "{runtime_type}");
    }

    #[test]
    fn nonlinearities_fan_modes_and_distributions_match_the_runtime() {
        pin::<Nonlinearity, _>(&init_core::Nonlinearity::ALL);
        pin::<FanMode, _>(&init_core::FanMode::ALL);
        pin::<Distribution, _>(&ScalingDistribution::ALL);
        for &(name, _) in <Distribution as Named>::NAMES {
            assert!(ScalingDistribution::NAMES.iter().any(|(n, _)| *n == name), "{name}");
        }
        for (name, _) in ScalingDistribution::NAMES {
            assert!(Distribution::from_name(name).is_some(), "derive refuses {name}");
        }
    }

    #[test]
    fn kaiming_modes_are_the_runtimes() {
        for mode in init_core::FanMode::ALL {
            let init = Init::KaimingNormal {
                a: 0.0,
                mode,
                nonlinearity: init_core::Nonlinearity::Relu,
                axes: FanAxes::TORCH,
            };
            let runtime = init.apply(Param::zeros(&[2, 2]).at("w"), &mut Seed::new(0)).is_ok();
            let derive = KAIMING_MODES.iter().any(|m| m.variant() == format!("{mode:?}"));
            assert_eq!(runtime, derive, "{mode}");
        }
    }

    /// A runtime `Init` of each scheme, with valid arguments.
    fn sample(scheme: SchemeName) -> Init {
        use init_core::{FanMode as M, Nonlinearity as N};
        let axes = FanAxes::TORCH;
        match scheme {
            SchemeName::Uniform => Init::Uniform { a: 0.0, b: 1.0 },
            SchemeName::Normal => Init::Normal { mean: 0.0, std: 1.0 },
            SchemeName::TruncNormal => Init::TruncNormal { mean: 0.0, std: 1.0, a: -2.0, b: 2.0 },
            SchemeName::Constant => Init::Constant { value: 0.5 },
            SchemeName::Ones => Init::Ones,
            SchemeName::Zeros => Init::Zeros,
            SchemeName::Eye => Init::Eye,
            SchemeName::Dirac => Init::Dirac { groups: 1 },
            SchemeName::XavierUniform => Init::XavierUniform { gain: 1.0, axes },
            SchemeName::XavierNormal => Init::XavierNormal { gain: 1.0, axes },
            SchemeName::KaimingUniform => {
                Init::KaimingUniform { a: 0.0, mode: M::FanIn, nonlinearity: N::Relu, axes }
            }
            SchemeName::KaimingNormal => {
                Init::KaimingNormal { a: 0.0, mode: M::FanIn, nonlinearity: N::Relu, axes }
            }
            SchemeName::Orthogonal => Init::Orthogonal { gain: 1.0 },
            SchemeName::Sparse => Init::Sparse { sparsity: 0.5, std: 0.01 },
            SchemeName::LecunUniform => Init::LecunUniform { axes },
            SchemeName::LecunNormal => Init::LecunNormal { axes },
            SchemeName::VarianceScaling => Init::VarianceScaling {
                scale: 1.0,
                mode: M::FanIn,
                distribution: ScalingDistribution::TruncatedNormal,
                axes,
            },
            SchemeName::DeltaOrthogonal => Init::DeltaOrthogonal { gain: 1.0 },
            SchemeName::Values => Init::Values(Values::new(vec![], vec![0.5]).unwrap()),
        }
    }

    #[test]
    fn scheme_names_and_ranks_match_the_runtime() {
        let derive: Vec<&str> = SchemeName::ALL.iter().map(|s| s.name()).collect();
        assert_eq!(derive, Init::NAMES, "the derive's schemes are the runtime's, in order");
        for &scheme in SchemeName::ALL {
            let init = sample(scheme);
            assert_eq!(init.name(), scheme.name());
            assert!(format!("{init:?}").starts_with(scheme.variant()), "{init:?}");
            let (min, max) = scheme.ranks();
            for rank in 0..=6 {
                let mut param = Param::zeros(&vec![2; rank]);
                let runtime = init.apply(param.at("w"), &mut Seed::new(0)).is_ok();
                let derive = (min..=max).contains(&rank);
                assert_eq!(runtime, derive, "{} on rank {rank}", scheme.name());
            }
        }
    }
}
