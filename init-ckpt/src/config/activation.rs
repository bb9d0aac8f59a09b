//! Activation names (`hidden_act`, `activation_function`): the keys of transformers'
//! `ACT2FN`. Two of them have parameters of their own, which would add state-dict keys.

use super::error::ConfigError;
use super::schema::Fields;
use super::suggest::closest;

/// `ACT2FN`'s activations without parameters (transformers 5.x).
pub(crate) const ACTIVATIONS: &[&str] = &[
    "gelu",
    "gelu_10",
    "gelu_accurate",
    "gelu_fast",
    "gelu_new",
    "gelu_python",
    "gelu_python_tanh",
    "gelu_pytorch_tanh",
    "hardswish",
    "laplace",
    "leaky_relu",
    "linear",
    "mish",
    "quick_gelu",
    "relu",
    "relu2",
    "relu6",
    "sigmoid",
    "silu",
    "sqrtsoftplus",
    "swish",
    "tanh",
];

/// `ACT2FN`'s activations with parameters (`nn.PReLU`'s weight, xIELU's alphas).
pub(crate) const WITH_PARAMETERS: &[&str] = &["prelu", "xielu"];

/// Checks the activation under `key` (types already checked), if present.
pub(crate) fn check(f: &Fields<'_>, key: &'static str) -> Result<(), ConfigError> {
    let Some(name) = f.get(key).and_then(|v| v.as_str()) else { return Ok(()) };
    if ACTIVATIONS.contains(&name) {
        return Ok(());
    }
    if WITH_PARAMETERS.contains(&name) {
        return Err(ConfigError::Feature {
            key,
            what: "an activation with parameters of its own (prelu, xielu)",
        });
    }
    let hint = match closest(name, ACTIVATIONS.iter().copied()) {
        Some(s) => format!(" (did you mean {s:?}?)"),
        None => String::new(),
    };
    Err(ConfigError::Range {
        key,
        rule: format!("{name:?} is not an activation transformers knows{hint}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both lists against `ACT2FN` itself (scripts/hf_ckpt_layout.py).
    #[test]
    fn the_lists_are_act2fn() {
        let text = include_str!("../../tests/fixtures/config_defaults.json");
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        let acts = v["activations"].as_object().unwrap();
        let plain: Vec<&str> =
            acts.iter().filter(|(_, p)| **p == false).map(|(k, _)| k.as_str()).collect();
        let with: Vec<&str> =
            acts.iter().filter(|(_, p)| **p == true).map(|(k, _)| k.as_str()).collect();
        assert_eq!(plain, ACTIVATIONS);
        assert_eq!(with, WITH_PARAMETERS);
    }
}
