//! What can be wrong with a `config.json`, each case naming the key.

use std::fmt;

/// A `config.json` that `init-ckpt` cannot turn into a model: every variant names the key (or
/// the JSON position) and the rule broken.
///
/// ```
/// use init_ckpt::{ConfigError, ModelConfig};
///
/// let err = ModelConfig::from_json(r#"{"model_type": "llama", "hiden_size": 64}"#).unwrap_err();
/// assert!(matches!(err, ConfigError::Unknown { .. }));
/// assert_eq!(
///     err.to_string(),
///     "unknown key \"hiden_size\" in a llama config (did you mean \"hidden_size\"?)"
/// );
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigError {
    /// The text is not JSON, or not a JSON object.
    Json(String),
    /// A key that the family's configuration does not have.
    Unknown {
        /// The key as written.
        key: String,
        /// The family (`model_type`).
        family: &'static str,
        /// The closest known key, if one is close.
        suggestion: Option<&'static str>,
        /// Another supported family that has this key, if one has.
        other_family: Option<&'static str>,
    },
    /// A key that must be present.
    Missing {
        /// The key.
        key: &'static str,
        /// Why it is needed.
        why: &'static str,
    },
    /// A value of the wrong JSON type.
    Type {
        /// The key.
        key: String,
        /// What the key takes.
        expected: &'static str,
        /// The value found, as JSON.
        found: String,
    },
    /// A value of the right type outside the key's range, or two keys that disagree.
    Range {
        /// The key.
        key: &'static str,
        /// The rule broken, with the values involved.
        rule: String,
    },
    /// A `model_type` that `init-ckpt` does not know.
    Unsupported {
        /// The `model_type` found.
        model_type: String,
    },
    /// A setting of a supported family whose parameters `init-ckpt` does not lay out.
    Feature {
        /// The key.
        key: &'static str,
        /// What is not supported.
        what: &'static str,
    },
}

/// The `model_type`s that `init-ckpt` supports, in the order its messages list them.
pub const SUPPORTED: [&str; 2] = ["gpt2", "llama"];

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Json(msg) => write!(f, "{msg}"),
            Self::Unknown { key, family, suggestion, other_family } => {
                write!(f, "unknown key {key:?} in a {family} config")?;
                match (suggestion, other_family) {
                    (Some(s), _) => write!(f, " (did you mean {s:?}?)"),
                    (None, Some(o)) => write!(f, " (a {o} key: is model_type right?)"),
                    (None, None) => Ok(()),
                }
            }
            Self::Missing { key, why } => write!(f, "missing key {key:?}: {why}"),
            Self::Type { key, expected, found } => {
                write!(f, "key {key:?} must be {expected}, found {found}")
            }
            Self::Range { key, rule } => write!(f, "key {key:?}: {rule}"),
            Self::Unsupported { model_type } => write!(
                f,
                "model_type {model_type:?} is not supported; supported: {}",
                quoted_list(&SUPPORTED)
            ),
            Self::Feature { key, what } => write!(f, "key {key:?}: {what} is not supported"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// `"a", "b"`: the names quoted, comma separated.
pub(crate) fn quoted_list(names: &[&str]) -> String {
    names.iter().map(|n| format!("{n:?}")).collect::<Vec<_>>().join(", ")
}
