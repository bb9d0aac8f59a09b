//! The state dicts that `save_pretrained` writes (keys, order, shapes) and the statistics of
//! Hugging Face's init of each tensor, from scripts/hf_ckpt_layout.py, against `Layout`.

use init_ckpt::{Layout, ModelConfig};
use init_core::Init;
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

const CASES: [&str; 4] = ["llama_gqa", "llama_tied_bias", "gpt2_tied", "gpt2_inner_untied"];

fn layout(case: &Value) -> Layout {
    // The config.json that save_pretrained wrote: every key transformers 5 writes is accepted.
    let config = ModelConfig::from_json(&case["config"].to_string()).unwrap();
    Layout::of(&config)
}

fn shape(v: &Value) -> Vec<usize> {
    v.as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).collect()
}

#[test]
fn keys_order_and_shapes_are_the_state_dicts() {
    for name in CASES {
        let case = fixture(&format!("{name}.json"));
        let layout = layout(&case);
        let want: Vec<(String, Vec<usize>)> = case["state_dict"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["key"].as_str().unwrap().to_string(), shape(&e["shape"])))
            .collect();
        let got: Vec<(String, Vec<usize>)> =
            layout.entries.iter().map(|e| (e.key.clone(), e.shape.clone())).collect();
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn the_saved_keys_leave_the_tied_head_out() {
    for name in CASES {
        let case = fixture(&format!("{name}.json"));
        let layout = layout(&case);
        let want: Vec<&str> =
            case["saved"].as_array().unwrap().iter().map(|e| e["key"].as_str().unwrap()).collect();
        let got: Vec<&str> = layout.saved().map(|e| e.key.as_str()).collect();
        assert_eq!(got, want, "{name}");
        let tied = case["config"]["tie_word_embeddings"].as_bool().unwrap();
        assert_eq!(layout.entries.len() - want.len(), usize::from(tied), "{name}");
    }
}

/// Normal tensors: the rule's std within 10% of HF's sample std (the smallest normal tensor
/// has 960 elements: the sample std's relative error is about 2.3%, so 10% is over 4 sigma,
/// and the c_proj scaling it must tell apart is 2x or more). Constant tensors: the value.
#[test]
fn each_rule_has_hf_statistics() {
    for name in CASES {
        let case = fixture(&format!("{name}.json"));
        let layout = layout(&case);
        for (e, f) in layout.saved().zip(case["saved"].as_array().unwrap()) {
            assert_eq!(f["dtype"], "torch.float32");
            let std = f["std"].as_f64().unwrap();
            match e.init {
                Init::Normal { mean, std: want } => {
                    assert_eq!(mean, 0.0);
                    assert!(f["constant"].is_null(), "{name} {}", e.key);
                    // A zeroed padding row lowers the sample std by sqrt((n - 1) / n).
                    assert!(
                        (std / want - 1.0).abs() < 0.1,
                        "{name} {}: HF std {std}, rule {want}",
                        e.key
                    );
                    assert!(f["mean"].as_f64().unwrap().abs() < 0.2 * want, "{name} {}", e.key);
                }
                Init::Ones => assert_eq!(f["constant"], 1.0, "{name} {}", e.key),
                Init::Zeros => assert_eq!(f["constant"], 0.0, "{name} {}", e.key),
                ref other => panic!("{name} {}: unexpected rule {other}", e.key),
            }
            if e.shape.len() == 2 {
                let zero_rows: Vec<usize> = f["zero_rows"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_u64().unwrap() as usize)
                    .collect();
                assert_eq!(
                    zero_rows,
                    e.zero_row.into_iter().collect::<Vec<_>>(),
                    "{name} {}",
                    e.key
                );
            }
        }
    }
}

#[test]
fn hub_configs_are_accepted_with_their_parameter_counts() {
    let counts = fixture("hub_counts.json");
    for (file, want) in counts.as_object().unwrap() {
        let text = std::fs::read_to_string(format!(
            "{}/tests/fixtures/hub/{file}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let layout =
            Layout::of(&ModelConfig::from_json(&text).unwrap_or_else(|e| panic!("{file}: {e}")));
        assert_eq!(layout.numel(), want["parameters"].as_u64().unwrap(), "{file}");
        assert_eq!(layout.saved().count() as u64, want["tensors"].as_u64().unwrap(), "{file}");
    }
}

/// `LlamaConfig().to_dict()` and `GPT2Config().to_dict()`: every key accepted, and the
/// defaults read from them are the ones used when the keys are absent.
#[test]
fn transformers_defaults_are_accepted_and_agree() {
    let defaults = fixture("config_defaults.json");
    for family in ["llama", "gpt2"] {
        let full = ModelConfig::from_json(&defaults[family].to_string()).unwrap();
        let bare = ModelConfig::from_json(&format!(r#"{{"model_type": "{family}"}}"#)).unwrap();
        assert_eq!(full, bare, "{family}");
    }
}
