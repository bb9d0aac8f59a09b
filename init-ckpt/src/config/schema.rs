//! JSON types of configuration keys, and the typed reads a family makes from a config object.

use serde_json::{Map, Value};

use super::error::ConfigError;

/// The JSON type a key takes (the type annotation of the field in transformers' config class).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A JSON integer (not `4096.0`, not `true`).
    Int,
    /// Any JSON number.
    Float,
    /// `true` or `false`.
    Bool,
    /// A string.
    Str,
    /// An integer or a list of integers (`eos_token_id`).
    IntOrList,
    /// A list of strings (`architectures`).
    StrList,
    /// A JSON object (`id2label`, `rope_scaling`).
    Object,
    /// Anything: keys that transformers drops unread (generation settings).
    Any,
}

/// A key of a configuration: its name, type, and whether `null` is allowed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Key {
    pub name: &'static str,
    pub kind: Kind,
    pub nullable: bool,
}

/// A key of type `kind`, `null` not allowed.
pub(crate) const fn key(name: &'static str, kind: Kind) -> Key {
    Key { name, kind, nullable: false }
}

/// A key of type `kind` or `null`.
pub(crate) const fn opt(name: &'static str, kind: Kind) -> Key {
    Key { name, kind, nullable: true }
}

impl Kind {
    /// The phrase for "must be ..." in an error.
    fn expected(self, nullable: bool) -> &'static str {
        match (self, nullable) {
            (Self::Int, false) => "an integer",
            (Self::Int, true) => "an integer or null",
            (Self::Float, false) => "a number",
            (Self::Float, true) => "a number or null",
            (Self::Bool, _) => "true or false",
            (Self::Str, false) => "a string",
            (Self::Str, true) => "a string or null",
            (Self::IntOrList, _) => "an integer, a list of integers or null",
            (Self::StrList, _) => "a list of strings or null",
            (Self::Object, _) => "an object or null",
            (Self::Any, _) => "any value",
        }
    }

    fn accepts(self, v: &Value) -> bool {
        match self {
            Self::Int => v.is_i64() || v.is_u64(),
            Self::Float => v.is_number(),
            Self::Bool => v.is_boolean(),
            Self::Str => v.is_string(),
            Self::IntOrList => {
                v.is_i64()
                    || v.is_u64()
                    || v.as_array().is_some_and(|a| a.iter().all(|x| x.is_i64() || x.is_u64()))
            }
            Self::StrList => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
            Self::Object => v.is_object(),
            Self::Any => true,
        }
    }
}

/// Checks `value` against `key`'s type.
pub(crate) fn check(key: &Key, value: &Value) -> Result<(), ConfigError> {
    let null_ok =
        key.nullable || matches!(key.kind, Kind::IntOrList | Kind::StrList | Kind::Object);
    if (value.is_null() && null_ok) || key.kind.accepts(value) {
        return Ok(());
    }
    Err(ConfigError::Type {
        key: key.name.to_string(),
        expected: key.kind.expected(key.nullable),
        found: value.to_string(),
    })
}

/// Typed reads from a config object, each with the default that transformers uses when the
/// key is absent. Types were checked beforehand (`check`), so a read only fails on a range.
pub(crate) struct Fields<'a> {
    map: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    pub fn new(map: &'a Map<String, Value>) -> Self {
        Self { map }
    }

    /// The value of `name`, `None` when absent or `null`.
    pub fn get(&self, name: &str) -> Option<&'a Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    /// An integer of at least `min`, `default` when absent.
    pub fn count(
        &self,
        name: &'static str,
        default: usize,
        min: usize,
    ) -> Result<usize, ConfigError> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => at_least(name, v, min),
        }
    }

    /// An integer of at least `min`, or `None` when absent or `null`.
    pub fn opt_count(&self, name: &'static str, min: usize) -> Result<Option<usize>, ConfigError> {
        self.get(name).map(|v| at_least(name, v, min)).transpose()
    }

    /// A signed integer, or `None` when absent or `null`.
    pub fn opt_int(&self, name: &'static str) -> Result<Option<i64>, ConfigError> {
        self.get(name)
            .map(|v| {
                v.as_i64().ok_or_else(|| ConfigError::Range {
                    key: name,
                    rule: format!("{v} is out of the range of a 64-bit integer"),
                })
            })
            .transpose()
    }

    /// A number, `default` when absent.
    pub fn float(&self, name: &str, default: f64) -> f64 {
        self.get(name).and_then(Value::as_f64).unwrap_or(default)
    }

    /// A boolean, `default` when absent.
    pub fn flag(&self, name: &str, default: bool) -> bool {
        self.get(name).and_then(Value::as_bool).unwrap_or(default)
    }
}

fn at_least(name: &'static str, v: &Value, min: usize) -> Result<usize, ConfigError> {
    match v.as_u64().and_then(|n| usize::try_from(n).ok()) {
        Some(n) if n >= min => Ok(n),
        _ if min == 0 => Err(ConfigError::Range {
            key: name,
            rule: format!("must be a non-negative integer, found {v}"),
        }),
        _ => Err(ConfigError::Range {
            key: name,
            rule: format!("must be at least {min}, found {v}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn integers_are_not_floats_or_booleans() {
        let k = key("hidden_size", Kind::Int);
        assert!(check(&k, &json!(64)).is_ok());
        let err = check(&k, &json!(64.0)).unwrap_err();
        assert_eq!(err.to_string(), "key \"hidden_size\" must be an integer, found 64.0");
        assert!(check(&k, &json!(true)).is_err());
        assert!(check(&k, &json!(null)).is_err());
        assert!(check(&opt("head_dim", Kind::Int), &json!(null)).is_ok());
    }

    #[test]
    fn lists_and_objects_take_null() {
        assert!(check(&key("eos_token_id", Kind::IntOrList), &json!([1, 2])).is_ok());
        assert!(check(&key("eos_token_id", Kind::IntOrList), &json!(null)).is_ok());
        assert!(check(&key("eos_token_id", Kind::IntOrList), &json!(["a"])).is_err());
        assert!(check(&key("architectures", Kind::StrList), &json!(["LlamaForCausalLM"])).is_ok());
        assert!(check(&key("rope_scaling", Kind::Object), &json!("linear")).is_err());
    }

    #[test]
    fn counts_name_their_minimum() {
        let map = json!({"n_head": 0, "n_layer": -1}).as_object().unwrap().clone();
        let f = Fields::new(&map);
        assert_eq!(
            f.count("n_head", 12, 1).unwrap_err().to_string(),
            "key \"n_head\": must be at least 1, found 0"
        );
        assert_eq!(
            f.count("n_layer", 12, 0).unwrap_err().to_string(),
            "key \"n_layer\": must be a non-negative integer, found -1"
        );
        assert_eq!(f.count("vocab_size", 7, 1).unwrap(), 7);
    }
}
