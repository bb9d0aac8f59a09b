//! Shared by the layer tests: PyTorch fixtures written by `scripts/torch_layers.py`.
//!
//! Each `tests/fixtures/layers/<case>.safetensors` holds `init.<key>` (the state dict right
//! after `torch.manual_seed(seed)` and construction), `param.<key>` (the state used for the
//! forward pass), `input`, `input.1`, ..., `output`, `output.1`, ... and, for BatchNorm,
//! `train.*`. `names.json` holds PyTorch's name lists for every case.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use init::ndarray::{ArrayD, IxDyn};
use init::{BufferData, Module};
use safetensors::{Dtype, SafeTensors};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/layers")
}

/// One case's tensors and metadata.
pub struct Fixture {
    pub case: String,
    f32s: BTreeMap<String, ArrayD<f32>>,
    i64s: BTreeMap<String, ArrayD<i64>>,
    pub meta: BTreeMap<String, String>,
}

impl Fixture {
    pub fn load(case: &str) -> Fixture {
        let path = dir().join(format!("{case}.safetensors"));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let (_, meta) = SafeTensors::read_metadata(&bytes).expect("fixture header");
        let meta: BTreeMap<String, String> =
            meta.metadata().clone().unwrap_or_default().into_iter().collect();
        let st = SafeTensors::deserialize(&bytes).expect("fixture");
        let (mut f32s, mut i64s) = (BTreeMap::new(), BTreeMap::new());
        for (name, view) in st.tensors() {
            let shape = IxDyn(view.shape());
            let data = view.data();
            match view.dtype() {
                Dtype::F32 => {
                    let v = data.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap()));
                    f32s.insert(name, ArrayD::from_shape_vec(shape, v.collect()).unwrap());
                }
                Dtype::I64 => {
                    let v = data.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().unwrap()));
                    i64s.insert(name, ArrayD::from_shape_vec(shape, v.collect()).unwrap());
                }
                other => panic!("{case}: unexpected dtype {other:?} for {name}"),
            }
        }
        Fixture { case: case.to_string(), f32s, i64s, meta }
    }

    /// An f32 tensor by name.
    pub fn f32(&self, name: &str) -> ArrayD<f32> {
        self.f32s.get(name).unwrap_or_else(|| panic!("{}: no f32 tensor {name}", self.case)).clone()
    }

    /// An i64 tensor by name.
    pub fn i64(&self, name: &str) -> ArrayD<i64> {
        self.i64s.get(name).unwrap_or_else(|| panic!("{}: no i64 tensor {name}", self.case)).clone()
    }

    /// Whether a tensor of that name exists.
    pub fn has(&self, name: &str) -> bool {
        self.f32s.contains_key(name) || self.i64s.contains_key(name)
    }

    /// The state-dict keys stored under `group.` (`"param"`, `"init"`, `"train"`), sorted.
    pub fn keys(&self, group: &str) -> Vec<String> {
        let prefix = format!("{group}.");
        let mut keys: Vec<String> = self
            .f32s
            .keys()
            .chain(self.i64s.keys())
            .filter_map(|k| k.strip_prefix(&prefix).map(str::to_string))
            .collect();
        keys.sort();
        keys
    }

    /// Copy `group.<key>` into every parameter and buffer of `m`; the key sets must agree.
    pub fn load_into(&self, m: &mut dyn Module, group: &str) {
        let mut ours = Vec::new();
        for (name, mut p) in m.named_parameters_mut() {
            p.copy_from(&self.f32(&format!("{group}.{name}")).view()).unwrap();
            ours.push(name);
        }
        for (name, mut b) in m.named_buffers_mut() {
            let key = format!("{group}.{name}");
            if let Some(mut a) = b.as_f32_mut() {
                let src = self.f32(&key);
                assert_eq!(a.shape(), src.shape(), "{key}");
                a.assign(&src);
            } else if let Some(mut a) = b.as_i64_mut() {
                let src = self.i64(&key);
                assert_eq!(a.shape(), src.shape(), "{key}");
                a.assign(&src);
            }
            ours.push(name);
        }
        ours.sort();
        assert_eq!(ours, self.keys(group), "{}: state keys differ from PyTorch's", self.case);
    }

    /// Assert that every parameter and buffer of `m` equals `group.<key>` bit for bit.
    pub fn assert_state_eq(&self, m: &dyn Module, group: &str) {
        for (name, p) in m.named_parameters() {
            let want = self.f32(&format!("{group}.{name}"));
            assert_eq!(p.shape(), want.shape(), "{}: {name}", self.case);
            let same =
                p.as_slice().iter().zip(want.iter()).all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(
                same,
                "{}: {name} differs from PyTorch's\nours {:?}\ntorch {:?}",
                self.case,
                p.view(),
                want
            );
        }
        for (name, b) in m.named_buffers() {
            let key = format!("{group}.{name}");
            match b.data() {
                BufferData::F32(a) => assert_eq!(a, &self.f32(&key), "{}: {key}", self.case),
                BufferData::I64(a) => assert_eq!(a, &self.i64(&key), "{}: {key}", self.case),
            }
        }
    }
}

/// Assert `ours` matches PyTorch's `expected`: same shape, and max |ours - expected| <=
/// 1e-5 * max(1, max |expected|).
pub fn assert_close(ours: &ArrayD<f32>, expected: &ArrayD<f32>, what: &str) {
    assert_eq!(ours.shape(), expected.shape(), "{what}: shape");
    let scale = expected.iter().fold(1f32, |m, v| m.max(v.abs()));
    let err = ours.iter().zip(expected.iter()).fold(0f32, |m, (a, b)| m.max((a - b).abs()));
    assert!(
        err <= 1e-5 * scale && ours.iter().all(|v| v.is_finite()),
        "{what}: max abs error {err:e} > 1e-5 x {scale}\nours {ours:?}\ntorch {expected:?}"
    );
}

/// PyTorch's name lists for a case, from `names.json`.
pub struct Names {
    json: serde_json::Value,
}

impl Names {
    pub fn load(case: &str) -> Names {
        let text = std::fs::read_to_string(dir().join("names.json")).expect("names.json");
        let all: serde_json::Value = serde_json::from_str(&text).expect("names.json is JSON");
        let json = all.get(case).unwrap_or_else(|| panic!("names.json has no case {case}")).clone();
        Names { json }
    }

    /// A list of names (`"named_parameters"`, `"named_buffers"`, `"state_dict"`,
    /// `"named_children"`, `"apply_order"`).
    pub fn list(&self, which: &str) -> Vec<String> {
        self.json[which]
            .as_array()
            .unwrap_or_else(|| panic!("no list {which}"))
            .iter()
            .map(|v| v.as_str().expect("string").to_string())
            .collect()
    }

    /// `named_modules` as (name, class) pairs.
    pub fn modules(&self) -> Vec<(String, String)> {
        self.json["named_modules"]
            .as_array()
            .expect("named_modules")
            .iter()
            .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_str().unwrap().to_string()))
            .collect()
    }

    /// Assert every name list of `m` equals PyTorch's (state dict = parameters then buffers
    /// per module, modules in pre-order).
    pub fn assert_match(&self, m: &mut dyn Module) {
        let ours: Vec<(String, String)> =
            m.named_modules().into_iter().map(|(n, m)| (n, m.kind().to_string())).collect();
        assert_eq!(ours, self.modules(), "named_modules");
        let children: Vec<String> = m.named_children().into_iter().map(|(n, _)| n).collect();
        assert_eq!(children, self.list("named_children"), "named_children");
        let params: Vec<String> = m.named_parameters().into_iter().map(|(n, _)| n).collect();
        assert_eq!(params, self.list("named_parameters"), "named_parameters");
        let buffers: Vec<String> = m.named_buffers().into_iter().map(|(n, _)| n).collect();
        assert_eq!(buffers, self.list("named_buffers"), "named_buffers");
        assert_eq!(state_keys(m), self.list("state_dict"), "state_dict keys");
        let mut applied = Vec::new();
        m.apply(&mut |m| applied.push(m.kind().to_string()));
        assert_eq!(applied, self.list("apply_order"), "apply order");
    }
}

/// State-dict keys in PyTorch's order: per module in pre-order, own parameters then own
/// buffers. Written with a user-side [`init::Visitor`].
pub fn state_keys(m: &dyn Module) -> Vec<String> {
    struct Own(Vec<String>, Vec<String>);
    impl<'a> init::Visitor<'a> for Own {
        fn param(&mut self, name: &str, _: &'a init::Param) {
            self.0.push(name.to_string());
        }
        fn buffer(&mut self, name: &str, _: &'a init::Buffer) {
            self.1.push(name.to_string());
        }
        fn module(&mut self, _: &str, _: &'a dyn Module) {}
    }
    let mut keys = Vec::new();
    for (path, module) in m.named_modules() {
        let mut own = Own(Vec::new(), Vec::new());
        module.visit(&mut own);
        for name in own.0.into_iter().chain(own.1) {
            keys.push(if path.is_empty() { name } else { format!("{path}.{name}") });
        }
    }
    keys
}

/// Everything a fixture case pins for a layer without parameters: PyTorch built it with
/// `ctor`; nothing is in its state dict; building it drew nothing from the generator; its
/// names match; and each `output.k` equals `forward(input.k)` (the case's forward statement
/// applies the layer to each input in turn).
pub fn check_parameterless(case: &str, ctor: &str, m: &mut dyn init::ForwardModule) {
    let fx = Fixture::load(case);
    assert_eq!(fx.meta["ctor"], ctor, "{case}: the fixture was built by another constructor");
    let seed: u64 = fx.meta["seed"].parse().unwrap();
    assert!(fx.keys("init").is_empty() && fx.keys("param").is_empty(), "{case}: PyTorch has state");
    let mut rng = init::TorchGenerator::new(seed);
    m.reset_parameters("", &mut rng).unwrap();
    assert_eq!(rng.random(), init::TorchGenerator::new(seed).random(), "{case}: init drew numbers");
    assert_eq!(m.num_parameters(), 0);
    Names::load(case).assert_match(m.as_module_mut());
    let mut k = 0;
    while fx.has(&numbered("input", k)) {
        let y = m.forward(fx.f32(&numbered("input", k)).view()).unwrap();
        assert_close(&y, &fx.f32(&numbered("output", k)), &format!("{case} output {k}"));
        k += 1;
    }
    assert!(k > 0 && !fx.has(&numbered("output", k)), "{case}: inputs and outputs pair up");
}

/// `base`, `base.1`, `base.2`, ...: the fixture's tensor names.
pub fn numbered(base: &str, k: usize) -> String {
    if k == 0 { base.to_string() } else { format!("{base}.{k}") }
}
