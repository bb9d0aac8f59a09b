//! JSON into a `serde_json::Value`, refusing a key that appears twice in one object.
//!
//! `serde_json::Value` (like Python's `json.load`, and so transformers) keeps the last of two
//! equal keys without a word: `{"model_type": "llama", ..., "model_type": "gpt2"}` would
//! quietly be a GPT-2. A config is short and written by hand; a repeated key is a mistake.

use std::fmt;

use serde_core::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Parses `text`; errors are serde_json's, with line and column (a repeated key included).
pub(super) fn parse(text: &str) -> Result<Value, serde_json::Error> {
    serde_json::from_str::<Strict>(text).map(|s| s.0)
}

/// A value whose objects have distinct keys, at every depth.
struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        // JSON has no NaN or infinity; serde_json refuses an out-of-range literal itself.
        Number::from_f64(v).map(Value::Number).ok_or_else(|| E::custom("a non-finite number"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(de::Error::custom(format_args!(
                    "key {key:?} appears twice in one object"
                )));
            }
            let Strict(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_serde_jsons() {
        let text = r#"{"a": [1, -2, 0.5, true, null, "s"], "b": {"c": 18446744073709551615}}"#;
        assert_eq!(parse(text).unwrap(), serde_json::from_str::<Value>(text).unwrap());
    }

    #[test]
    fn a_repeated_key_is_an_error_at_any_depth() {
        let err = parse(r#"{"model_type": "llama", "model_type": "gpt2"}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "key \"model_type\" appears twice in one object at line 1 column 36"
        );
        let err = parse(r#"{"rope_scaling": {"factor": 2.0, "factor": 4.0}}"#).unwrap_err();
        assert!(err.to_string().starts_with("key \"factor\" appears twice"), "{err}");
        // The same key in two objects is fine.
        assert!(parse(r#"{"a": {"x": 1}, "b": {"x": 2}}"#).is_ok());
    }
}
