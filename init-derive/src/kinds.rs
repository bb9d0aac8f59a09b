//! The layer kinds a struct-level rule can name, with their parameters and ranks, so that
//! `#[init(BatchNorm2d = kaiming_normal)]` or `#[init(Conv2 = ...)]` fail at the attribute.

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
    kind("ConvTranspose2d", &[p("weight", 4), p("bias", 1)]),
    kind("BatchNorm1d", NORM),
    kind("BatchNorm2d", NORM),
    kind(
        "LayerNorm",
        &[KindParam { name: "weight", rank: None }, KindParam { name: "bias", rank: None }],
    ),
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
    kind("MaxPool2d", &[]),
    kind("AvgPool2d", &[]),
    kind("AdaptiveAvgPool2d", &[]),
    kind("Flatten", &[]),
    kind("Dropout", &[]),
    kind("Identity", &[]),
    kind("ReLU", &[]),
    kind("LeakyReLU", &[]),
    kind("GELU", &[]),
    kind("SiLU", &[]),
    kind("Tanh", &[]),
    kind("Sigmoid", &[]),
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
