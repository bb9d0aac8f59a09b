//! `model.safetensors.index.json`, byte for byte as `transformers`' `save_pretrained` writes
//! it: `json.dumps(index, indent=2, sort_keys=True) + "\n"` of `{"metadata":
//! {"total_parameters": ..., "total_size": ...}, "weight_map": {key: file}}`.

use std::collections::BTreeMap;

use super::dtype::FloatDtype;
use super::entry::Source;
use super::plan::Plan;
use super::shards::{Shard, stored_size};

/// The index's text.
pub(super) fn index_json(plan: &Plan, shards: &[Shard], dtype: FloatDtype) -> String {
    let mut weight_map: BTreeMap<&str, &str> = BTreeMap::new();
    let mut total_size = 0u64;
    for s in shards {
        for &i in s.entries() {
            let e = &plan.entries()[i];
            weight_map.insert(e.key(), s.name());
            total_size += stored_size(e, dtype);
        }
    }
    // `num_parameters()`: the parameters (not the buffers), a tied one once.
    let total_parameters: u64 = plan
        .entries()
        .iter()
        .filter(|e| matches!(e.source(), Source::Init { .. }))
        .map(|e| e.numel() as u64)
        .sum();
    let mut out = String::from("{\n  \"metadata\": {\n");
    out.push_str(&format!("    \"total_parameters\": {total_parameters},\n"));
    out.push_str(&format!("    \"total_size\": {total_size}\n  }},\n  \"weight_map\": {{"));
    let lines: Vec<String> = weight_map
        .iter()
        .map(|(k, f)| format!("\n    {}: {}", python_json(k), python_json(f)))
        .collect();
    out.push_str(&lines.join(","));
    out.push_str(if lines.is_empty() { "}\n}\n" } else { "\n  }\n}\n" });
    out
}

/// A JSON string as Python's `json.dumps` writes it (`ensure_ascii`): `\"`, `\\`, `\n`,
/// `\r`, `\t`, `\b`, `\f`, other controls and every non-ASCII character as `\uXXXX` (UTF-16).
fn python_json(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schemes::Init;

    /// The text of `json.dumps(index, indent=2, sort_keys=True) + "\n"` for this plan,
    /// as Python 3 prints it.
    #[test]
    fn index_is_transformers_text() {
        let mut plan = Plan::new();
        plan.push("z.weight", &[4, 4], Init::Ones).unwrap();
        plan.push("a.bias", &[4], Init::Zeros).unwrap();
        plan.push("é\"\n", &[2], Init::Zeros).unwrap();
        plan.tie("lm_head.weight", "z.weight").unwrap();
        let shards = Shard::split(&plan, FloatDtype::BF16, 32).unwrap();
        let want = "{\n  \"metadata\": {\n    \"total_parameters\": 22,\n    \"total_size\": 44\n  },\n  \"weight_map\": {\n    \"a.bias\": \"model-00002-of-00002.safetensors\",\n    \"z.weight\": \"model-00001-of-00002.safetensors\",\n    \"\\u00e9\\\"\\n\": \"model-00002-of-00002.safetensors\"\n  }\n}\n";
        assert_eq!(index_json(&plan, &shards, FloatDtype::BF16), want);
        assert_eq!(python_json("\u{1F600}\u{1}"), "\"\\ud83d\\ude00\\u0001\"");
    }
}
