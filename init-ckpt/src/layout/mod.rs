//! The state dict of a Hugging Face model as `save_pretrained` writes it: keys in order,
//! shapes, and the Hugging Face rule that initializes each tensor.

mod gpt2;
mod llama;

use init_core::Init;

use crate::config::ModelConfig;

/// One tensor of the state dict.
///
/// ```
/// use init_ckpt::{Layout, ModelConfig};
///
/// let c = ModelConfig::from_json(r#"{"model_type": "gpt2", "n_layer": 1, "n_embd": 8, "n_head": 2, "vocab_size": 10}"#)?;
/// let layout = Layout::of(&c);
/// let proj = layout.entries.iter().find(|e| e.key == "transformer.h.0.attn.c_proj.weight").unwrap();
/// assert_eq!(proj.shape, [8, 8]);
/// assert_eq!(proj.init.to_string(), format!("normal(std = {})", 0.02 / 2f64.sqrt()));
/// # Ok::<(), init_ckpt::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The state-dict key (`model.layers.0.self_attn.q_proj.weight`).
    pub key: String,
    /// PyTorch's shape (`nn.Linear`: `[out, in]`; GPT-2's `Conv1D`: `[in, out]`).
    pub shape: Vec<usize>,
    /// Hugging Face's rule for the tensor (`_init_weights`).
    pub init: Init,
    /// A row set to zero after the fill (an Embedding's `padding_idx`).
    pub zero_row: Option<usize>,
    /// The key this one is tied to: it is not written (as `save_pretrained` drops it).
    pub tied_to: Option<String>,
}

/// The tensors of a model, in state-dict order.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Every state-dict key, tied ones included, in order.
    pub entries: Vec<Entry>,
}

impl Layout {
    /// The state dict of `LlamaForCausalLM(config)` or `GPT2LMHeadModel(config)`.
    pub fn of(config: &ModelConfig) -> Self {
        let mut entries = Vec::new();
        match config {
            ModelConfig::Llama(c) => llama::push(c, &mut entries),
            ModelConfig::Gpt2(c) => gpt2::push(c, &mut entries),
        }
        Self { entries }
    }

    /// The entries that reach the file (tied aliases left out), in order.
    pub fn saved(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.tied_to.is_none())
    }

    /// Number of elements written (tied aliases left out).
    pub fn numel(&self) -> u64 {
        self.saved().map(|e| e.shape.iter().product::<usize>() as u64).sum()
    }
}

/// Appends entries one layer at a time, under a prefix.
pub(crate) struct Push<'a> {
    entries: &'a mut Vec<Entry>,
}

impl<'a> Push<'a> {
    pub fn new(entries: &'a mut Vec<Entry>) -> Self {
        Self { entries }
    }

    /// A tensor filled by `init`.
    pub fn tensor(&mut self, key: String, shape: &[usize], init: Init) {
        self.entries.push(Entry {
            key,
            shape: shape.to_vec(),
            init,
            zero_row: None,
            tied_to: None,
        });
    }

    /// `nn.Linear(i, o, bias)`: weight `[o, i]` from normal(0, std), bias zeros.
    pub fn linear(&mut self, prefix: &str, i: usize, o: usize, bias: bool, std: f64) {
        self.tensor(format!("{prefix}.weight"), &[o, i], normal(std));
        if bias {
            self.tensor(format!("{prefix}.bias"), &[o], Init::Zeros);
        }
    }

    /// `nn.Embedding(n, d, padding_idx)`: normal(0, std), the padding row zero.
    pub fn embedding(
        &mut self,
        key: String,
        n: usize,
        d: usize,
        std: f64,
        zero_row: Option<usize>,
    ) {
        self.entries.push(Entry {
            key,
            shape: vec![n, d],
            init: normal(std),
            zero_row,
            tied_to: None,
        });
    }

    /// A key tied to `target` (same shape, same values, not written).
    pub fn tied(&mut self, key: String, target: &str) {
        let t = self.entries.iter().find(|e| e.key == target).cloned();
        if let Some(t) = t {
            self.entries.push(Entry { key, tied_to: Some(target.to_string()), ..t });
        }
    }
}

/// `normal(mean = 0, std)`.
pub(crate) fn normal(std: f64) -> Init {
    Init::Normal { mean: 0.0, std }
}
