//! `#[module(tie(...))]`: one parameter under two paths, as PyTorch and Hugging Face have it
//! (the facts are pinned in tests/fixtures/tying/facts.json by scripts/torch_tying.py).

use init::ndarray::{ArrayD, IxDyn};
use init::prelude::*;
use init::{StateDict, Tensor};

/// The fixture's model: GPT-2's shape in miniature.
#[derive(Module)]
struct Transformer {
    wte: Embedding<5, 3>,
    ln_f: LayerNorm<3>,
}

#[derive(Module)]
#[init("transformer.wte.weight" = normal(std = 0.02))]
struct Tiny {
    transformer: Transformer,
    #[module(tie(weight = transformer.wte.weight))]
    lm_head: Linear<3, 5, false>,
}

fn facts() -> serde_free::Facts {
    serde_free::read(include_str!("fixtures/tying/facts.json"))
}

/// The fixture is flat JSON: lists of strings, numbers and booleans.
mod serde_free {
    pub struct Facts(pub String);
    pub fn read(text: &str) -> Facts {
        Facts(text.to_string())
    }
    impl Facts {
        pub fn list(&self, key: &str) -> Vec<String> {
            let start = self.0.find(&format!("\"{key}\": [")).expect(key) + key.len() + 5;
            let end = start + self.0[start..].find(']').expect("a list");
            self.0[start..end]
                .split(',')
                .map(|s| s.trim().trim_matches('"').to_string())
                .filter(|s| !s.is_empty())
                .collect()
        }
        pub fn value(&self, key: &str) -> String {
            let start = self.0.find(&format!("\"{key}\": ")).expect(key) + key.len() + 4;
            let end = start + self.0[start..].find([',', '\n']).expect("a value");
            self.0[start..end].trim().to_string()
        }
    }
}

fn keys(sd: &StateDict) -> Vec<String> {
    sd.keys().map(str::to_string).collect()
}

#[test]
fn one_storage_under_two_keys_as_in_pytorch() {
    let f = facts();
    let m = Tiny::new(&mut Seed::new(0)).unwrap();
    let (wte, head) = (m.transformer.wte.weight().unwrap(), m.lm_head.weight().unwrap());
    assert_eq!(f.value("same_storage"), "true");
    assert!(head.shares_storage_with(wte));
    assert_eq!(keys(&m.state_dict()), f.list("state_dict"));
    let named: Vec<String> = m.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(named, f.list("named_parameters"));
    assert_eq!(m.num_parameters().to_string(), f.value("num_parameters"));
    assert_eq!(Summary::of(&m).rows.len(), named.len());
    // Initialized once, by the target's rule; the alias shows the same origin.
    assert_eq!(
        wte.origin(),
        Some(r#"normal(std = 0.02) by #[init("transformer.wte.weight" = ...)] on Tiny"#)
    );
    assert_eq!(head.origin(), wte.origin());
    // A forward through either layer sees the one value.
    let x = ArrayD::from_shape_fn(IxDyn(&[1, 3]), |i| i[1] as f32 + 1.0);
    let logits = m.lm_head.forward(x.view()).unwrap();
    let w = wte.view();
    for v in 0..5 {
        let want: f32 = (0..3).map(|k| w[[v, k]] * (k as f32 + 1.0)).sum();
        assert!((logits[[0, v]] - want).abs() < 1e-6);
    }
}

#[test]
fn loading_accepts_equal_copies_or_the_target_alone_and_refuses_disagreeing_ones() {
    let trained = Tiny::new(&mut Seed::new(7)).unwrap();
    let sd = trained.state_dict();
    let mut m = Tiny::zeroed();
    m.load_state_dict(&sd).unwrap();
    assert!(m.lm_head.weight().unwrap().shares_storage_with(m.transformer.wte.weight().unwrap()));
    assert_eq!(
        m.lm_head.weight().unwrap().as_slice(),
        trained.lm_head.weight().unwrap().as_slice()
    );

    // Hugging Face's save_pretrained drops lm_head.weight.
    let mut only_target = sd.clone();
    only_target.remove("lm_head.weight");
    let mut m = Tiny::zeroed();
    let report = m.load_state_dict(&only_target).unwrap();
    assert!(report.is_clean());
    assert_eq!(
        m.lm_head.weight().unwrap().as_slice(),
        trained.lm_head.weight().unwrap().as_slice()
    );

    let mut disagree = StateDict::new();
    for (k, t) in sd.iter() {
        let t =
            if k == "lm_head.weight" { Tensor::F32(ArrayD::zeros(vec![5, 3])) } else { t.clone() };
        disagree.insert(k, t).unwrap();
    }
    let mut m = Tiny::zeroed();
    let err = m.load_state_dict(&disagree).unwrap_err();
    assert_eq!(
        err.to_string(),
        "lm_head.weight: tied to transformer.wte.weight: the state dict holds different values under lm_head.weight and transformer.wte.weight, which are one tied parameter"
    );
    assert!(m.transformer.wte.weight().unwrap().as_slice().iter().all(|&v| v == 0.0));
}

#[test]
fn saving_writes_the_target_key_only_as_hugging_face_does() {
    let f = facts();
    assert_eq!(f.value("save_file_refuses_shared"), "true");
    assert_eq!(f.value("hf_gpt2_saved_has_lm_head"), "false");
    assert_eq!(f.value("hf_gpt2_saved_has_wte"), "true");
    let m = Tiny::new(&mut Seed::new(1)).unwrap();
    let path = std::env::temp_dir().join(format!("init-tie-{}.safetensors", std::process::id()));
    m.save_safetensors(&path).unwrap();
    let loaded = init::safetensors::load(&path).unwrap();
    // The state dict's keys less the alias (safetensors' own save_model keeps the other one,
    // lm_head.weight: the fixture records it; Hugging Face's files are what we match).
    let mut want = f.list("state_dict");
    want.retain(|k| k != "lm_head.weight");
    assert_eq!(keys(&loaded.state), want);
    assert!(f.list("save_model_keys").contains(&"lm_head.weight".to_string()));
    let mut back = Tiny::zeroed();
    back.load_safetensors(&path).unwrap();
    std::fs::remove_file(&path).ok();
    assert_eq!(back.lm_head.weight().unwrap().as_slice(), m.lm_head.weight().unwrap().as_slice());
}

#[test]
fn writes_through_either_path_reach_the_one_parameter() {
    let mut m = Tiny::new(&mut Seed::new(0)).unwrap();
    m.set_parameter("lm_head.weight", ArrayD::from_elem(vec![5, 3], 0.5).view()).unwrap();
    assert!(m.transformer.wte.weight().unwrap().as_slice().iter().all(|&v| v == 0.5));
    assert!(m.lm_head.weight().unwrap().shares_storage_with(m.transformer.wte.weight().unwrap()));
    // The forum loop writes the shared parameter through both layers; the later write wins,
    // as in PyTorch.
    m.apply(&mut |mm| {
        let v = if mm.path() == "lm_head" { 2.0 } else { 1.0 };
        if let Some(mut w) = mm.weight() {
            w.as_slice_mut().fill(v);
        }
    });
    assert!(m.transformer.wte.weight().unwrap().as_slice().iter().all(|&v| v == 2.0));
    assert!(m.lm_head.weight().unwrap().shares_storage_with(m.transformer.wte.weight().unwrap()));
    m.freeze();
    assert!(!m.lm_head.weight().unwrap().requires_grad());
}

#[derive(Module)]
struct Inner {
    wte: Embedding<6, 3>,
}

/// A target inside a derived field is checked when the model is built.
#[derive(Module)]
struct WrongShape {
    inner: Inner,
    #[module(tie(weight = inner.wte.weight))]
    head: Linear<3, 5, false>,
}

#[derive(Module)]
struct NoSuchTarget {
    inner: Inner,
    #[module(tie(weight = inner.wte.bias))]
    head: Linear<3, 6, false>,
}

#[test]
fn a_nested_target_is_checked_when_the_model_is_built() {
    let err = WrongShape::new(&mut Seed::new(0)).err().expect("shapes differ");
    assert_eq!(
        err.to_string(),
        "head.weight: tied to inner.wte.weight: head.weight has shape [5, 3], inner.wte.weight has shape [6, 3]; tied parameters have one shape"
    );
    let err = NoSuchTarget::new(&mut Seed::new(0)).err().expect("no such target");
    assert_eq!(
        err.to_string(),
        "head.weight: tied to inner.wte.bias: inner.wte.bias is not a parameter of the model"
    );
}

/// Construction settles the ties: right after `zeroed()` and `new()` the alias is the
/// target's storage, before any other operation on the model.
#[test]
fn construction_ties_the_alias_to_its_target() {
    let m = Tiny::zeroed();
    assert!(m.lm_head.weight().unwrap().shares_storage_with(m.transformer.wte.weight().unwrap()));
    let m = Tiny::new(&mut Seed::new(3)).unwrap();
    assert!(m.lm_head.weight().unwrap().shares_storage_with(m.transformer.wte.weight().unwrap()));
    // A struct holding a tied struct keeps the tie (the storage moves with the value).
    #[derive(Module)]
    struct Outer {
        inner: Tiny,
    }
    let o = Outer::zeroed();
    let (head, wte) =
        (o.inner.lm_head.weight().unwrap(), o.inner.transformer.wte.weight().unwrap());
    assert!(head.shares_storage_with(wte));
}
