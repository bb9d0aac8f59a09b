//! The layer kinds a struct-level rule can name, with their parameters and ranks, so that
//! `#[init(BatchNorm2d = kaiming_normal)]` or `#[init(Conv2 = ...)]` fail at the attribute.
//!
//! The runtime's lists are `init::LayerKind::ALL` and each layer's `LayerSpec::PARAMS`
//! (recurrent names from `init-core/src/spec/recurrent_names.rs`); the tests at the bottom
//! pin this table to them.

/// A kind's parameter: its name (or, for recurrent layers, a family like `weight_ih_l{k}`)
/// and its rank (`None` when it depends on the configuration).
pub(crate) struct KindParam {
    pub(crate) name: &'static str,
    pub(crate) rank: Option<usize>,
}

/// A layer kind: its name (PyTorch's class name) and parameters.
pub(crate) struct Kind {
    pub(crate) name: &'static str,
    pub(crate) params: &'static [KindParam],
}

const fn p(name: &'static str, rank: usize) -> KindParam {
    KindParam { name, rank: Some(rank) }
}

const DENSE2: &[KindParam] = &[p("weight", 2), p("bias", 1)];
const NORM: &[KindParam] = &[p("weight", 1), p("bias", 1)];
const RECURRENT: &[KindParam] =
    &[p("weight_ih", 2), p("weight_hh", 2), p("bias_ih", 1), p("bias_hh", 1)];
const fn kind(name: &'static str, params: &'static [KindParam]) -> Kind {
    Kind { name, params }
}

/// Every kind of `init::LayerKind` except `Custom`.
pub(crate) const KINDS: &[Kind] = &[
    kind("Linear", DENSE2),
    kind("Bilinear", &[p("weight", 3), p("bias", 1)]),
    kind("Conv1d", &[p("weight", 3), p("bias", 1)]),
    kind("Conv2d", &[p("weight", 4), p("bias", 1)]),
    kind("Conv3d", &[p("weight", 5), p("bias", 1)]),
    kind("ConvTranspose1d", &[p("weight", 3), p("bias", 1)]),
    kind("ConvTranspose2d", &[p("weight", 4), p("bias", 1)]),
    kind("ConvTranspose3d", &[p("weight", 5), p("bias", 1)]),
    kind("Conv1D", DENSE2),
    kind("BatchNorm1d", NORM),
    kind("BatchNorm2d", NORM),
    kind("BatchNorm3d", NORM),
    kind("InstanceNorm1d", NORM),
    kind("InstanceNorm2d", NORM),
    kind(
        "LayerNorm",
        &[KindParam { name: "weight", rank: None }, KindParam { name: "bias", rank: None }],
    ),
    kind("RMSNorm", &[KindParam { name: "weight", rank: None }]),
    kind("GroupNorm", NORM),
    kind("Embedding", &[p("weight", 2)]),
    kind("LSTM", RECURRENT),
    kind("GRU", RECURRENT),
    kind(
        "MultiheadAttention",
        &[
            p("in_proj_weight", 2),
            p("q_proj_weight", 2),
            p("k_proj_weight", 2),
            p("v_proj_weight", 2),
            p("in_proj_bias", 1),
        ],
    ),
    kind("TransformerEncoderLayer", &[]),
    kind("TransformerDecoderLayer", &[]),
    kind("MaxPool1d", &[]),
    kind("MaxPool2d", &[]),
    kind("MaxPool3d", &[]),
    kind("AvgPool1d", &[]),
    kind("AvgPool2d", &[]),
    kind("AvgPool3d", &[]),
    kind("AdaptiveAvgPool1d", &[]),
    kind("AdaptiveAvgPool2d", &[]),
    kind("Upsample", &[]),
    kind("Flatten", &[]),
    kind("Dropout", &[]),
    kind("Identity", &[]),
    kind("ReLU", &[]),
    kind("LeakyReLU", &[]),
    kind("PReLU", &[p("weight", 1)]),
    kind("GELU", &[]),
    kind("SiLU", &[]),
    kind("Tanh", &[]),
    kind("Sigmoid", &[]),
    kind("Softmax", &[]),
    kind("LogSoftmax", &[]),
    kind("Sequential", &[]),
    kind("ModuleList", &[]),
];

/// The kind called `name`.
pub(crate) fn find(name: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.name == name)
}

impl Kind {
    /// The parameter `name` of this kind; recurrent families match `weight_ih_l0`,
    /// `bias_hh_l2_reverse`, ...
    pub(crate) fn param(&self, name: &str) -> Option<&'static KindParam> {
        let base = if matches!(self.name, "LSTM" | "GRU") { recurrent_base(name)? } else { name };
        self.params.iter().find(|p| p.name == base)
    }

    /// The parameter names, as a user would write them.
    pub(crate) fn param_names(&self) -> Vec<String> {
        let recurrent = matches!(self.name, "LSTM" | "GRU");
        self.params
            .iter()
            .map(|p| if recurrent { format!("{}_l0", p.name) } else { p.name.to_string() })
            .collect()
    }
}

/// `weight_ih` for `weight_ih_l3` or `weight_ih_l3_reverse`.
fn recurrent_base(name: &str) -> Option<&str> {
    let name = name.strip_suffix("_reverse").unwrap_or(name);
    let (base, layer) = name.rsplit_once("_l")?;
    (!layer.is_empty() && layer.bytes().all(|b| b.is_ascii_digit())).then_some(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recurrent_names_resolve_to_their_family() {
        let lstm = find("LSTM").unwrap();
        assert_eq!(lstm.param("weight_hh_l0").unwrap().name, "weight_hh");
        assert_eq!(lstm.param("bias_ih_l12_reverse").unwrap().name, "bias_ih");
        assert!(lstm.param("weight_hh").is_none());
        assert!(lstm.param("weight_hh_lx").is_none());
        assert!(find("Linear").unwrap().param("weight_ih_l0").is_none());
    }
}

#[cfg(test)]
mod runtime_tests {
    //! This table against the runtime's kinds and layers (`init-core` is a dev-dependency).
    use super::*;
    use init_core::spec::{LayerSpec, ParamTable};
    use init_core::*;

    fn spec<T: LayerSpec>(kind: LayerKind) -> ParamTable {
        assert_eq!(T::KIND, kind);
        T::PARAMS
    }

    /// The parameter tables of layers of `kind`: several where the parameters depend on the
    /// configuration, none for containers.
    fn tables(kind: LayerKind) -> Vec<ParamTable> {
        use LayerKind as K;
        match kind {
            K::Linear => vec![spec::<Linear<3, 4>>(kind)],
            K::Bilinear => vec![spec::<Bilinear<2, 3, 4>>(kind)],
            K::Conv1d => vec![spec::<Conv1d<2, 4, 3>>(kind)],
            K::Conv2d => vec![spec::<Conv2d<2, 4, 3>>(kind)],
            K::Conv3d => vec![spec::<Conv3d<2, 4, 3>>(kind)],
            K::ConvTranspose1d => vec![spec::<ConvTranspose1d<2, 4, 3>>(kind)],
            K::ConvTranspose2d => vec![spec::<ConvTranspose2d<2, 4, 3>>(kind)],
            K::ConvTranspose3d => vec![spec::<ConvTranspose3d<2, 4, 3>>(kind)],
            K::Conv1D => vec![spec::<Conv1D<4, 3>>(kind)],
            K::BatchNorm1d => vec![spec::<BatchNorm1d<4>>(kind)],
            K::BatchNorm2d => vec![spec::<BatchNorm2d<4>>(kind)],
            K::BatchNorm3d => vec![spec::<BatchNorm3d<4>>(kind)],
            K::InstanceNorm1d => vec![spec::<InstanceNorm1d<4>>(kind)],
            K::InstanceNorm2d => vec![spec::<InstanceNorm2d<4>>(kind)],
            K::LayerNorm => vec![spec::<LayerNorm<4>>(kind), spec::<LayerNorm<4, 5, 6>>(kind)],
            K::RMSNorm => vec![spec::<RMSNorm<4>>(kind), spec::<RMSNorm<4, 5, 6>>(kind)],
            K::GroupNorm => vec![spec::<GroupNorm<2, 4>>(kind)],
            K::Embedding => vec![spec::<Embedding<10, 4>>(kind)],
            K::LSTM => vec![spec::<LSTM<4, 8, 3, true>>(kind)],
            K::GRU => vec![spec::<GRU<4, 8, 3, true>>(kind)],
            K::MultiheadAttention => vec![
                spec::<MultiheadAttention<8, 2>>(kind),
                spec::<MultiheadAttention<8, 2, 4, 6>>(kind),
            ],
            K::TransformerEncoderLayer => vec![spec::<TransformerEncoderLayer<8, 2, 16>>(kind)],
            K::TransformerDecoderLayer => vec![spec::<TransformerDecoderLayer<8, 2, 16>>(kind)],
            K::MaxPool1d => vec![spec::<MaxPool1d<2>>(kind)],
            K::MaxPool2d => vec![spec::<MaxPool2d<2>>(kind)],
            K::MaxPool3d => vec![spec::<MaxPool3d<2>>(kind)],
            K::AvgPool1d => vec![spec::<AvgPool1d<2>>(kind)],
            K::AvgPool2d => vec![spec::<AvgPool2d<2>>(kind)],
            K::AvgPool3d => vec![spec::<AvgPool3d<2>>(kind)],
            K::AdaptiveAvgPool1d => vec![spec::<AdaptiveAvgPool1d<2>>(kind)],
            K::AdaptiveAvgPool2d => vec![spec::<AdaptiveAvgPool2d<2, 2>>(kind)],
            K::Upsample => vec![spec::<Upsample>(kind)],
            K::Flatten => vec![spec::<Flatten>(kind)],
            K::Dropout => vec![spec::<Dropout>(kind)],
            K::Identity => vec![spec::<Identity>(kind)],
            K::ReLU => vec![spec::<ReLU>(kind)],
            K::LeakyReLU => vec![spec::<LeakyReLU>(kind)],
            K::PReLU => vec![spec::<PReLU<3>>(kind)],
            K::GELU => vec![spec::<GELU>(kind)],
            K::SiLU => vec![spec::<SiLU>(kind)],
            K::Tanh => vec![spec::<Tanh>(kind)],
            K::Sigmoid => vec![spec::<Sigmoid>(kind)],
            K::Softmax => vec![spec::<Softmax>(kind)],
            K::LogSoftmax => vec![spec::<LogSoftmax>(kind)],
            K::Sequential | K::ModuleList => Vec::new(),
            other => panic!("no layer of kind {other} in this test: add one"),
        }
    }

    #[test]
    fn the_kinds_are_the_runtimes() {
        let runtime: Vec<&str> = LayerKind::ALL.iter().map(|k| k.name()).collect();
        let derive: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
        assert_eq!(derive, runtime);
        for kind in LayerKind::ALL {
            // The derive writes `::init::LayerKind::<name>`: the variant is called so.
            assert_eq!(format!("{kind:?}"), kind.name());
        }
    }

    #[test]
    fn the_parameters_and_ranks_are_the_layers() {
        for kind in LayerKind::ALL {
            let def = find(kind.name()).unwrap();
            let tables = tables(kind);
            let runtime: Vec<(&str, usize)> = tables
                .iter()
                .flat_map(|t| (0..t.len()).filter_map(|i| t.get(i)))
                .map(|p| (p.name(), p.shape().len()))
                .collect();
            for &(name, rank) in &runtime {
                let p = def.param(name).unwrap_or_else(|| panic!("{kind}: derive refuses {name}"));
                assert!(p.rank.is_none_or(|r| r == rank), "{kind}.{name}: rank {rank}");
            }
            for p in def.params {
                let used = runtime
                    .iter()
                    .any(|(name, _)| def.param(name).is_some_and(|q| q.name == p.name));
                assert!(used, "{kind}: no layer has {}", p.name);
            }
        }
    }
}
