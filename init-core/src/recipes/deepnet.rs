//! [`DeepNet`]: DeepNorm's initialization (Wang et al. 2022).

use super::{Recipe, at_least_one, labelled};
use crate::error::Result;
use crate::module::Module;
use crate::rules::Rule;
use crate::rules::Rules;
use crate::schemes::{FanAxes, Init};

/// The architecture a [`DeepNet`] recipe is for, with its depths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeepNetArch {
    /// An `N`-layer encoder (BERT-like).
    EncoderOnly {
        /// `N`.
        layers: usize,
    },
    /// An `M`-layer decoder (GPT-like).
    DecoderOnly {
        /// `M`.
        layers: usize,
    },
    /// An `N`-layer encoder and an `M`-layer decoder.
    EncoderDecoder {
        /// `N`.
        encoder_layers: usize,
        /// `M`.
        decoder_layers: usize,
    },
}

/// DeepNet's initialization (Wang, Ma, Dong, Huang, Zhang & Wei 2022, "DeepNet: Scaling
/// Transformers to 1,000 Layers", figure 2 and table 1): in each sub-layer, the feed-forward
/// weights and the attention's value and output projections `xavier_normal(gain = β)`, the
/// query and key projections `xavier_normal(gain = 1)`, with
///
/// | architecture | encoder β | decoder β | encoder α | decoder α |
/// |---|---|---|---|---|
/// | encoder only | `(8N)^(-1/4)` | | `(2N)^(1/4)` | |
/// | decoder only | | `(8M)^(-1/4)` | | `(2M)^(1/4)` |
/// | encoder-decoder | `0.87 (N⁴M)^(-1/16)` | `(12M)^(-1/4)` | `0.81 (N⁴M)^(1/16)` | `(3M)^(1/4)` |
///
/// α is DeepNorm's residual multiplier, `LN(α x + G(x))`: a forward-pass change that this
/// crate does not make (no forward pass here has it); [`alpha`](DeepNet::alpha) gives it for the
/// training code. Default names are torchscale's (`fc1`, `fc2`, `v_proj`, `out_proj`, `q_proj`,
/// `k_proj`, under `encoder.` and `decoder.` for an encoder-decoder); biases keep their
/// defaults (the paper's pseudo-code sets weights only).
///
/// Against torchscale 0.3.0 (`scripts/recipe_fixtures.py` reads its constants): the
/// encoder-only, decoder-only and encoder-decoder decoder β are its `1 / init_scale`; for
/// the encoder of an encoder-decoder it multiplies by `1.15 (N⁴M)^(-1/16)`, 1.32 times the
/// paper's β, and applies it on top of its own `xavier_uniform` draws (gain `1/√2` on q, k,
/// v) and to biases too. This recipe follows the paper.
///
/// ```
/// use init_core::{DeepNet, DeepNetArch};
/// let d = DeepNet::new(DeepNetArch::EncoderOnly { layers: 100 });
/// assert_eq!(d.beta(), (Some(800f64.powf(-0.25)), None));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct DeepNet {
    arch: DeepNetArch,
}

impl DeepNet {
    /// The recipe for `arch`.
    pub fn new(arch: DeepNetArch) -> Self {
        DeepNet { arch }
    }

    /// β of the encoder and of the decoder (`None` where there is none).
    pub fn beta(&self) -> (Option<f64>, Option<f64>) {
        match self.arch {
            DeepNetArch::EncoderOnly { layers } => (Some((8.0 * layers as f64).powf(-0.25)), None),
            DeepNetArch::DecoderOnly { layers } => (None, Some((8.0 * layers as f64).powf(-0.25))),
            DeepNetArch::EncoderDecoder { encoder_layers: n, decoder_layers: m } => {
                let (n, m) = (n as f64, m as f64);
                (Some(0.87 * (n.powi(4) * m).powf(-1.0 / 16.0)), Some((12.0 * m).powf(-0.25)))
            }
        }
    }

    /// α of the encoder and of the decoder (`None` where there is none).
    pub fn alpha(&self) -> (Option<f64>, Option<f64>) {
        match self.arch {
            DeepNetArch::EncoderOnly { layers } => (Some((2.0 * layers as f64).powf(0.25)), None),
            DeepNetArch::DecoderOnly { layers } => (None, Some((2.0 * layers as f64).powf(0.25))),
            DeepNetArch::EncoderDecoder { encoder_layers: n, decoder_layers: m } => {
                let (n, m) = (n as f64, m as f64);
                (Some(0.81 * (n.powi(4) * m).powf(1.0 / 16.0)), Some((3.0 * m).powf(0.25)))
            }
        }
    }
}

impl Recipe for DeepNet {
    fn name(&self) -> &'static str {
        "deepnet"
    }

    fn rules(&self, _model: &dyn Module) -> Result<Rules> {
        let name = self.name();
        let (prefix_enc, prefix_dec) = match self.arch {
            DeepNetArch::EncoderOnly { layers } | DeepNetArch::DecoderOnly { layers } => {
                at_least_one(name, "layers", layers)?;
                ("", "")
            }
            DeepNetArch::EncoderDecoder { encoder_layers, decoder_layers } => {
                at_least_one(name, "encoder_layers", encoder_layers)?;
                at_least_one(name, "decoder_layers", decoder_layers)?;
                ("encoder.", "decoder.")
            }
        };
        let xavier = |gain: f64| Init::XavierNormal { gain, axes: FanAxes::TORCH };
        let (enc, dec) = self.beta();
        let mut rules = Rules::new();
        for (beta, prefix, role) in [(enc, prefix_enc, "encoder"), (dec, prefix_dec, "decoder")] {
            let Some(beta) = beta else { continue };
            for p in ["fc1", "fc2", "v_proj", "out_proj"] {
                let rule = Rule::glob(format!("{prefix}*{p}.weight"), xavier(beta));
                rules = rules.rule(labelled(rule, name, &format!("{role} β")));
            }
            for p in ["q_proj", "k_proj"] {
                let rule = Rule::glob(format!("{prefix}*{p}.weight"), xavier(1.0));
                rules = rules.rule(labelled(rule, name, &format!("{role} query/key")));
            }
        }
        Ok(rules)
    }
}
