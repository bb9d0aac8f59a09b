//! The state dicts that `save_pretrained` writes (keys, order, shapes) and the statistics of
//! Hugging Face's init of each tensor, from scripts/hf_ckpt_layout.py, against `plan`.

use init_ckpt::{ModelConfig, plan};
use init_core::{Entry, Init, Plan, Source};
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

const CASES: [&str; 4] = ["llama_gqa", "llama_tied_bias", "gpt2_tied", "gpt2_inner_untied"];

fn plan_of(case: &Value) -> Plan {
    // The config.json that save_pretrained wrote: every key transformers 5 writes is accepted.
    let config = ModelConfig::from_json(&case["config"].to_string()).unwrap();
    plan(&config).unwrap()
}

fn saved(plan: &Plan) -> impl Iterator<Item = &Entry> {
    plan.entries().iter().filter(|e| !matches!(e.source(), Source::Tied { .. }))
}

fn usizes(v: &Value) -> Vec<usize> {
    v.as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).collect()
}

#[test]
fn keys_order_and_shapes_are_the_state_dicts() {
    for name in CASES {
        let case = fixture(&format!("{name}.json"));
        let plan = plan_of(&case);
        let want: Vec<(&str, Vec<usize>)> = case["state_dict"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["key"].as_str().unwrap(), usizes(&e["shape"])))
            .collect();
        let got: Vec<(&str, Vec<usize>)> =
            plan.entries().iter().map(|e| (e.key(), e.shape().to_vec())).collect();
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn the_saved_keys_leave_the_tied_head_out() {
    for name in CASES {
        let case = fixture(&format!("{name}.json"));
        let plan = plan_of(&case);
        let want: Vec<&str> =
            case["saved"].as_array().unwrap().iter().map(|e| e["key"].as_str().unwrap()).collect();
        let got: Vec<&str> = saved(&plan).map(Entry::key).collect();
        assert_eq!(got, want, "{name}");
        let tied = case["config"]["tie_word_embeddings"].as_bool().unwrap();
        assert_eq!(plan.len() - want.len(), usize::from(tied), "{name}");
        if tied {
            let head = plan.get("lm_head.weight").unwrap();
            assert!(
                matches!(head.source(), Source::Tied { target } if target == want[0]),
                "{name}"
            );
        }
    }
}

/// Normal tensors: the rule's std within 10% of HF's sample std (the smallest normal tensor
/// has 960 elements: the sample std's relative error is about 2.3%, so 10% is over 4 sigma,
/// and the c_proj scaling it must tell apart is 2x or more) and the sample mean within 0.2
/// std of 0. Constant tensors: the value. Matrices: the rows that are all zero.
#[test]
fn each_rule_has_hf_statistics() {
    for name in CASES {
        let case = fixture(&format!("{name}.json"));
        let plan = plan_of(&case);
        for (e, f) in saved(&plan).zip(case["saved"].as_array().unwrap()) {
            let key = e.key();
            assert_eq!(f["dtype"], "torch.float32");
            let Source::Init { init, zero_rows } = e.source() else {
                panic!("{name} {key}: {:?}", e.source())
            };
            match *init {
                Init::Normal { mean, std } => {
                    assert_eq!(mean, 0.0);
                    assert!(f["constant"].is_null(), "{name} {key}");
                    let hf = f["std"].as_f64().unwrap();
                    assert!((hf / std - 1.0).abs() < 0.1, "{name} {key}: HF std {hf}, rule {std}");
                    assert!(f["mean"].as_f64().unwrap().abs() < 0.2 * std, "{name} {key}");
                }
                Init::Ones => assert_eq!(f["constant"], 1.0, "{name} {key}"),
                Init::Zeros => assert_eq!(f["constant"], 0.0, "{name} {key}"),
                ref other => panic!("{name} {key}: unexpected rule {other}"),
            }
            if e.shape().len() == 2 {
                assert_eq!(&usizes(&f["zero_rows"]), zero_rows, "{name} {key}");
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
        let plan =
            plan(&ModelConfig::from_json(&text).unwrap_or_else(|e| panic!("{file}: {e}"))).unwrap();
        let numel: usize = saved(&plan).map(Entry::numel).sum();
        assert_eq!(numel as u64, want["parameters"].as_u64().unwrap(), "{file}");
        assert_eq!(saved(&plan).count() as u64, want["tensors"].as_u64().unwrap(), "{file}");
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
