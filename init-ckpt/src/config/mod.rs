//! A Hugging Face `config.json`, read strictly: every key known (a typo gets "did you mean"),
//! every type and range checked, transformers' defaults for what is absent.

mod activation;
mod common;
mod error;
mod gpt2;
mod llama;
mod schema;
mod suggest;

use serde_json::{Map, Value};

pub use error::{ConfigError, SUPPORTED};
pub use gpt2::Gpt2Config;
pub use llama::LlamaConfig;
pub(crate) use suggest::closest;

use schema::{Fields, Key};

/// A model configuration that `init-ckpt` can lay out, by `model_type`.
///
/// ```
/// use init_ckpt::ModelConfig;
///
/// let c = ModelConfig::from_json(r#"{"model_type": "gpt2", "n_layer": 2, "n_embd": 64, "n_head": 4}"#)?;
/// assert_eq!(c.model_type(), "gpt2");
/// let err = ModelConfig::from_json(r#"{"model_type": "mistral"}"#).unwrap_err();
/// assert_eq!(err.to_string(), "model_type \"mistral\" is not supported; supported: \"gpt2\", \"llama\"");
/// # Ok::<(), init_ckpt::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum ModelConfig {
    /// `model_type: "llama"`, laid out as `LlamaForCausalLM`.
    Llama(LlamaConfig),
    /// `model_type: "gpt2"`, laid out as `GPT2LMHeadModel`.
    Gpt2(Gpt2Config),
}

impl ModelConfig {
    /// Parses the text of a `config.json`.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| ConfigError::Json(format!("not valid JSON: {e}")))?;
        let Value::Object(map) = value else {
            return Err(ConfigError::Json(format!(
                "expected a JSON object, found {}",
                json_type(&value)
            )));
        };
        Self::from_map(map)
    }

    /// The family's `model_type`.
    pub fn model_type(&self) -> &'static str {
        match self {
            Self::Llama(_) => "llama",
            Self::Gpt2(_) => "gpt2",
        }
    }

    /// The model class whose state dict is written (`LlamaForCausalLM`, `GPT2LMHeadModel`).
    pub fn architecture(&self) -> &'static str {
        match self {
            Self::Llama(_) => "LlamaForCausalLM",
            Self::Gpt2(_) => "GPT2LMHeadModel",
        }
    }

    /// `architectures`, when given, must name the class whose state dict is written: another
    /// class (`LlamaForSequenceClassification`, `GPT2Model`) has other keys.
    fn check_architectures(&self, value: Option<&Value>) -> Result<(), ConfigError> {
        let Some(Value::Array(names)) = value else { return Ok(()) };
        if names.is_empty() || names.iter().any(|n| n.as_str() == Some(self.architecture())) {
            return Ok(());
        }
        Err(ConfigError::Range {
            key: "architectures",
            rule: format!(
                "{} has no {:?}: init-ckpt writes the state dict of {} only",
                Value::Array(names.clone()),
                self.architecture(),
                self.architecture()
            ),
        })
    }

    fn from_map(mut map: Map<String, Value>) -> Result<Self, ConfigError> {
        let model_type = match map.get("model_type") {
            None | Some(Value::Null) => {
                return Err(ConfigError::Missing {
                    key: "model_type",
                    why: "it names the model family (supported: \"gpt2\", \"llama\")",
                });
            }
            Some(Value::String(s)) => s.clone(),
            Some(v) => {
                return Err(ConfigError::Type {
                    key: "model_type".into(),
                    expected: "a string",
                    found: v.to_string(),
                });
            }
        };
        let config = match model_type.as_str() {
            "llama" => {
                check_keys(&map, "llama", llama::KEYS)?;
                Self::Llama(LlamaConfig::read(&Fields::new(&map))?)
            }
            "gpt2" => {
                resolve_aliases(&mut map, gpt2::ALIASES)?;
                check_keys(&map, "gpt2", gpt2::KEYS)?;
                Self::Gpt2(Gpt2Config::read(&Fields::new(&map))?)
            }
            _ => return Err(ConfigError::Unsupported { model_type }),
        };
        config.check_architectures(map.get("architectures"))?;
        Ok(config)
    }
}

/// The family keys and then the common ones: `family_keys` first, so that a family's own
/// type for a key wins.
fn known(family_keys: &'static [Key]) -> impl Iterator<Item = &'static Key> {
    family_keys.iter().chain(common::COMMON)
}

/// Every key known, every type right; the first problem in key order is reported.
fn check_keys(
    map: &Map<String, Value>,
    family: &'static str,
    family_keys: &'static [Key],
) -> Result<(), ConfigError> {
    for (name, value) in map {
        match known(family_keys).find(|k| k.name == name) {
            Some(k) => schema::check(k, value)?,
            None => return Err(unknown(name, family)),
        }
    }
    Ok(())
}

fn unknown(name: &str, family: &'static str) -> ConfigError {
    let (own, other): (&[Key], _) = match family {
        "llama" => (llama::KEYS, ("gpt2", gpt2::KEYS)),
        _ => (gpt2::KEYS, ("llama", llama::KEYS)),
    };
    let aliases: &[(&str, &str)] = if family == "gpt2" { gpt2::ALIASES } else { &[] };
    let candidates = known(own).map(|k| k.name).chain(aliases.iter().map(|a| a.0));
    ConfigError::Unknown {
        key: name.to_string(),
        family,
        suggestion: closest(name, candidates),
        other_family: other.1.iter().any(|k| k.name == name).then_some(other.0),
    }
}

/// Renames generic keys to the family's own (`hidden_size` to `n_embd`); both present with
/// different values is an error.
fn resolve_aliases(
    map: &mut Map<String, Value>,
    aliases: &[(&'static str, &'static str)],
) -> Result<(), ConfigError> {
    for &(alias, own) in aliases {
        let Some(v) = map.remove(alias) else { continue };
        match map.get(own) {
            Some(w) if *w != v => {
                return Err(ConfigError::Range {
                    key: own,
                    rule: format!(
                        "{w} disagrees with {alias} = {v} (transformers' name for the same setting)"
                    ),
                });
            }
            _ => {
                map.insert(own.to_string(), v);
            }
        }
    }
    Ok(())
}

/// `initializer_range`: finite and positive, at most `max` where transformers bounds it
/// (`LlamaConfig`: `interval(0, 1)`). Zero is refused: transformers' `_init_weights` replaces
/// 0 by 0.02 for some tensors (`initializer_range or 0.02`) and not for others.
fn initializer_range(f: &Fields<'_>, max: Option<f64>) -> Result<f64, ConfigError> {
    let v = f.float("initializer_range", 0.02);
    let rule = |r: String| Err(ConfigError::Range { key: "initializer_range", rule: r });
    if !(v.is_finite() && v > 0.0) {
        return rule(format!(
            "must be a positive number, found {v} (transformers would draw some tensors with std 0.02 instead of 0)"
        ));
    }
    match max {
        Some(m) if v > m => rule(format!("must be at most {m}, found {v}")),
        _ => Ok(v),
    }
}

/// `nn.Embedding`'s check of `padding_idx`: `-vocab <= p < vocab`.
fn padding_in_vocab(pad: Option<i64>, vocab: usize) -> Result<(), ConfigError> {
    match pad {
        Some(p) if padding_row(Some(p), vocab).is_none() => Err(ConfigError::Range {
            key: "pad_token_id",
            rule: format!(
                "{p} is outside the vocabulary (vocab_size = {vocab}, padding_idx must be in -{vocab}..{vocab})"
            ),
        }),
        _ => Ok(()),
    }
}

fn padding_row(pad: Option<i64>, vocab: usize) -> Option<usize> {
    let p = pad?;
    let v = i64::try_from(vocab).ok()?;
    let row = if p < 0 { p + v } else { p };
    (0..v).contains(&row).then_some(row as usize)
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
