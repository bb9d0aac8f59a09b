//! The state dict of a Hugging Face model as `save_pretrained` writes it, as an init-core
//! [`Plan`]: keys in order, shapes, the Hugging Face rule that initializes each tensor, the
//! tied head and the padding row.

mod gpt2;
mod llama;

use init_core::{Init, InitError, Plan};

use crate::config::ModelConfig;

/// The plan of `LlamaForCausalLM(config)` or `GPT2LMHeadModel(config)`: every state-dict key
/// in order (a tied `lm_head.weight` as a tie, which the writer leaves out of the files, as
/// `save_pretrained` does), its shape and Hugging Face's `_init_weights` rule. Errors: a
/// tensor whose byte size overflows (`InitError` naming the key).
///
/// ```
/// use init_ckpt::{ModelConfig, plan};
/// use init_core::{Init, Source};
///
/// let c = ModelConfig::from_json(r#"{"model_type": "gpt2", "n_layer": 1, "n_embd": 8, "n_head": 2, "vocab_size": 10}"#)?;
/// let plan = plan(&c)?;
/// let proj = plan.get("transformer.h.0.attn.c_proj.weight").unwrap();
/// assert_eq!(proj.shape(), [8, 8]);
/// let Source::Init { init, .. } = proj.source() else { unreachable!() };
/// assert_eq!(*init, Init::Normal { mean: 0.0, std: 0.02 / 2f64.sqrt() });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn plan(config: &ModelConfig) -> Result<Plan, InitError> {
    let mut p = Push { plan: Plan::new() };
    match config {
        ModelConfig::Llama(c) => llama::push(c, &mut p)?,
        ModelConfig::Gpt2(c) => gpt2::push(c, &mut p)?,
    }
    Ok(p.plan)
}

/// Appends a model's entries layer by layer.
pub(crate) struct Push {
    plan: Plan,
}

impl Push {
    /// A tensor filled by `init`.
    pub fn tensor(&mut self, key: String, shape: &[usize], init: Init) -> Result<(), InitError> {
        self.plan.push(key, shape, init).map(drop)
    }

    /// `nn.Linear(i, o, bias)`: weight `[o, i]` from normal(0, std), bias zeros.
    pub fn linear(
        &mut self,
        prefix: &str,
        i: usize,
        o: usize,
        bias: bool,
        std: f64,
    ) -> Result<(), InitError> {
        self.tensor(format!("{prefix}.weight"), &[o, i], normal(std))?;
        if bias {
            self.tensor(format!("{prefix}.bias"), &[o], Init::Zeros)?;
        }
        Ok(())
    }

    /// `nn.Embedding(n, d, padding_idx)`: normal(0, std), the padding row zero.
    pub fn embedding(
        &mut self,
        key: &str,
        n: usize,
        d: usize,
        std: f64,
        pad: Option<usize>,
    ) -> Result<(), InitError> {
        self.plan.push(key, &[n, d], normal(std))?;
        if let Some(row) = pad {
            self.plan.zero_row(key, row)?;
        }
        Ok(())
    }

    /// `key` tied to `target` (the same parameter; not written).
    pub fn tied(&mut self, key: &str, target: &str) -> Result<(), InitError> {
        self.plan.tie(key, target).map(drop)
    }
}

/// `normal(mean = 0, std)`.
pub(crate) fn normal(std: f64) -> Init {
    Init::Normal { mean: 0.0, std }
}
