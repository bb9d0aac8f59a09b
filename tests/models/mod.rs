//! The real models of `examples/`, and the fixtures `scripts/torch_models.py` wrote from the
//! real libraries (`tests/fixtures/models/<case>.json`).
//!
//! The models are declared once, in the examples (their `main` is unused here): what the
//! tests check is what the examples show.
#![allow(dead_code)]

pub mod dcgan;
pub mod gpt2;
#[path = "../../examples/resnet18.rs"]
pub mod resnet;
#[path = "../../examples/vit_tiny.rs"]
pub mod vit;
pub mod vit_timm;

mod hash;
pub use hash::bits_hash;

use std::collections::BTreeMap;

use init::ndarray::ArrayD;
use init::{ModuleExt, Tensor};
use serde_json::Value;

/// One case of `tests/fixtures/models/`.
pub struct Fixture {
    pub case: String,
    json: Value,
}

impl Fixture {
    pub fn load(case: &str) -> Fixture {
        let path = format!("{}/tests/fixtures/models/{case}.json", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        Fixture { case: case.to_string(), json: serde_json::from_str(&text).expect("fixture json") }
    }

    pub fn seed(&self) -> u64 {
        self.json["seed"].as_u64().expect("seed")
    }

    fn list(&self, key: &str) -> &Vec<Value> {
        self.json[key].as_array().unwrap_or_else(|| panic!("{}: no list {key}", self.case))
    }

    /// `named_modules()`: (name, class) in PyTorch's order.
    pub fn named_modules(&self) -> Vec<(String, String)> {
        self.list("named_modules").iter().map(|p| (str_at(p, 0), str_at(p, 1))).collect()
    }

    /// `named_parameters()` names in PyTorch's order.
    pub fn named_parameters(&self) -> Vec<String> {
        self.list("named_parameters").iter().map(|v| v.as_str().unwrap().to_string()).collect()
    }

    /// `state_dict()`: (key, shape, dtype) in PyTorch's order.
    pub fn state_dict(&self) -> Vec<(String, Vec<usize>, String)> {
        self.list("state_dict")
            .iter()
            .map(|e| {
                let shape = e[1].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize);
                (str_at(e, 0), shape.collect(), str_at(e, 2))
            })
            .collect()
    }

    /// The statistics and hash of one float32 state-dict entry.
    pub fn tensor(&self, key: &str) -> TensorFacts {
        let t = &self.json["tensors"][key];
        assert!(t.is_object(), "{}: no tensor facts for {key}", self.case);
        let f = |k: &str| t[k].as_f64().unwrap_or_else(|| panic!("{key}.{k}"));
        TensorFacts {
            hash: u64::from_str_radix(t["hash"].as_str().unwrap(), 16).unwrap(),
            head: t["head"].as_array().unwrap().iter().map(hex32).collect(),
            std: f("std"),
            mean: f("mean"),
            min: f("min"),
            max: f("max"),
        }
    }

    /// The tensors that timm's program changes when `erfinv_` is correctly rounded instead
    /// of MKL's: key -> (hash of that variant, elements differing from the real model's,
    /// largest difference in ulp).
    pub fn erfinv_f64(&self) -> BTreeMap<String, (u64, u64, u64)> {
        let map = self.json["erfinv_f64"].as_object().expect("erfinv_f64");
        let n = |v: &Value, k: &str| v[k].as_u64().unwrap_or_else(|| panic!("erfinv_f64 {k}"));
        map.iter()
            .map(|(k, v)| {
                let hash = u64::from_str_radix(v["hash"].as_str().unwrap(), 16).unwrap();
                (k.clone(), (hash, n(v, "differ"), n(v, "max_ulp")))
            })
            .collect()
    }

    /// `torch.rand(8)` right after construction, as bits.
    pub fn next_rand(&self) -> Vec<u32> {
        self.list("next_rand").iter().map(hex32).collect()
    }

    /// The module names the library's init loop visited, in order.
    pub fn loop_order(&self) -> Vec<String> {
        self.list("loop").iter().map(|v| v.as_str().unwrap().to_string()).collect()
    }

    /// The targets of the recorded draws, in order (`?<shape>` for a discarded tensor).
    pub fn draw_targets(&self) -> Vec<String> {
        self.list("draws").iter().map(|d| str_at(d, 1)).collect()
    }

    /// The token ids of a `tokens` forward input.
    pub fn tokens(&self) -> Vec<usize> {
        let t = self.json["forward"]["input"]["tokens"].as_array().expect("tokens");
        t.iter().map(|v| v.as_u64().unwrap() as usize).collect()
    }

    /// The recorded forward pass under `key` (`"forward"`): output shape and
    /// `(start, values)` slices of the flattened output.
    pub fn forward(&self, key: &str) -> (Vec<usize>, Vec<(usize, Vec<f32>)>) {
        let f = &self.json[key];
        let shape = f["shape"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize);
        let slices = f["slices"].as_array().unwrap().iter().map(|s| {
            let vals = s[2].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32);
            (s[0].as_u64().unwrap() as usize, vals.collect())
        });
        (shape.collect(), slices.collect())
    }
}

fn str_at(v: &Value, i: usize) -> String {
    v[i].as_str().expect("string").to_string()
}

fn hex32(v: &Value) -> u32 {
    u32::from_str_radix(v.as_str().expect("hex"), 16).expect("hex")
}

/// What the fixture records of one float32 tensor.
#[derive(Debug)]
pub struct TensorFacts {
    pub hash: u64,
    pub head: Vec<u32>,
    pub std: f64,
    pub mean: f64,
    pub min: f64,
    pub max: f64,
}

/// `x[i] = ((i * 7919) mod 1024) / 256 - 2`, row-major: the scripts' `fixed_input`.
pub fn fixed_input(shape: &[usize]) -> ArrayD<f32> {
    let n: usize = shape.iter().product();
    let v = (0..n).map(|i| ((i * 7919) % 1024) as f32 / 256.0 - 2.0).collect();
    ArrayD::from_shape_vec(shape.to_vec(), v).expect("shape")
}

/// Our state dict against the fixture's: keys, order, shapes and dtypes, exactly.
pub fn assert_same_state_dict_layout(model: &dyn init::Module, fx: &Fixture) {
    let ours: Vec<(String, Vec<usize>, String)> = model
        .state_dict()
        .into_iter()
        .map(|(k, t)| {
            let dtype = match &t {
                Tensor::F32(_) => "float32",
                Tensor::I64(_) => "int64",
            };
            (k, t.shape().to_vec(), dtype.to_string())
        })
        .collect();
    let theirs = fx.state_dict();
    for (i, (o, t)) in ours.iter().zip(&theirs).enumerate() {
        assert_eq!(o, t, "{}: state_dict entry {i}", fx.case);
    }
    assert_eq!(ours.len(), theirs.len(), "{}: state_dict length", fx.case);
}

/// The derived `#[module(sequential)]` structs that stand for an `nn.Sequential` of the real
/// model (a typed, compile-time-checked chain instead of a runtime list).
const SEQUENTIAL_STANDINS: [&str; 4] =
    ["Stage", "Downsample", "GeneratorMain", "DiscriminatorMain"];

/// The module lists that stand for an `nn.Sequential` whose forward is a plain loop (timm's
/// ViT `blocks`), by path.
const LIST_STANDINS: [&str; 1] = ["blocks"];

/// Our `named_modules` against the fixture's: names exactly, classes through our kinds'
/// PyTorch names (and [`SEQUENTIAL_STANDINS`], [`LIST_STANDINS`] as `Sequential`).
pub fn assert_same_named_modules(model: &dyn init::Module, fx: &Fixture) {
    let class = |name: &str, m: &dyn init::Module| {
        let kind = m.kind().to_string();
        let list = kind == "ModuleList" && LIST_STANDINS.contains(&name);
        if list || SEQUENTIAL_STANDINS.contains(&kind.as_str()) {
            "Sequential".to_string()
        } else {
            kind
        }
    };
    let ours: Vec<(String, String)> =
        model.named_modules().into_iter().map(|(n, m)| (n.clone(), class(&n, m))).collect();
    let theirs = fx.named_modules();
    for (i, (o, t)) in ours.iter().zip(&theirs).enumerate() {
        assert_eq!(o, t, "{}: named_modules entry {i}", fx.case);
    }
    assert_eq!(ours.len(), theirs.len(), "{}: named_modules length", fx.case);
    let names: Vec<String> = model.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, fx.named_parameters(), "{}: named_parameters", fx.case);
}

/// The keys of `model` whose float32 values differ in any bit from the fixture's.
pub fn bit_mismatches(model: &dyn init::Module, fx: &Fixture) -> Vec<String> {
    let mut bad = Vec::new();
    for (key, t) in model.state_dict() {
        if let Tensor::F32(a) = t {
            let values = a.as_slice().expect("contiguous");
            let facts = fx.tensor(&key);
            let head: Vec<u32> = values.iter().take(8).map(|v| v.to_bits()).collect();
            if bits_hash(values) != facts.hash || head != facts.head {
                bad.push(key);
            }
        }
    }
    bad
}

/// [`bit_mismatches`] over the parameters alone, without copying them (for GPT-2 small,
/// which has no buffers).
pub fn param_bit_mismatches(model: &dyn init::Module, fx: &Fixture) -> Vec<String> {
    let mut bad = Vec::new();
    for (key, p) in model.named_parameters() {
        let values = p.as_slice();
        let facts = fx.tensor(&key);
        let head: Vec<u32> = values.iter().take(8).map(|v| v.to_bits()).collect();
        if bits_hash(values) != facts.hash || head != facts.head {
            bad.push(key);
        }
    }
    bad
}

/// Largest `|ours - theirs| / max(|theirs|, floor)` over the recorded slices.
pub fn max_rel_err(out: &ArrayD<f32>, slices: &[(usize, Vec<f32>)], floor: f32) -> f32 {
    let flat = out.as_slice().expect("contiguous");
    let mut worst = 0.0f32;
    for (start, vals) in slices {
        for (j, want) in vals.iter().enumerate() {
            let got = flat[start + j];
            worst = worst.max((got - want).abs() / want.abs().max(floor));
        }
    }
    worst
}

/// Per-parameter statistics of our values, for the `Seed` checks.
pub fn stats(values: &[f32]) -> (f64, f64, f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let var = values.iter().map(|&v| (f64::from(v) - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let min = values.iter().fold(f64::INFINITY, |m, &v| m.min(f64::from(v)));
    let max = values.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(f64::from(v)));
    (mean, var.sqrt(), min, max)
}

/// The parameters by key, for lookups in tests.
pub fn params_by_key(model: &dyn init::Module) -> BTreeMap<String, Vec<f32>> {
    model.named_parameters().into_iter().map(|(k, p)| (k, p.as_slice().to_vec())).collect()
}
