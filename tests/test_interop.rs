//! Interop with PyTorch in both directions, on four whole models: the forum thread's `Net`, a
//! small ResNet, an Embedding + LayerNorm + MLP text model and a 2-layer bidirectional LSTM.
//!
//! The fixtures in `tests/fixtures/state/` are written by `scripts/torch_state.py`:
//! `<model>.safetensors` is `safetensors.torch.save_file(model.state_dict())`,
//! `<model>.io.safetensors` the forward input and outputs, `keys.json` the state-dict keys in
//! PyTorch's order. For each model:
//!
//! 1. our `state_dict()` has PyTorch's keys, in PyTorch's order, with its shapes and dtypes;
//! 2. PyTorch's file loads (strictly) and our forward pass gives PyTorch's outputs;
//! 3. our files load in PyTorch: this test writes, under `target/tmp/interop/`,
//!    - `roundtrip/<model>.safetensors`: PyTorch's values, loaded by us and saved by us;
//!    - `fresh/<model>.safetensors` and `fresh/<model>.io.safetensors`: a model initialized by
//!      this crate (norm layers randomized), with the outputs of our own forward pass;
//!
//!    and `scripts/torch_state.py --check <dir>` loads them in PyTorch with
//!    `load_state_dict(strict=True)` and compares PyTorch's outputs with the reference (the
//!    committed outputs for `roundtrip/`, ours for `fresh/`).

mod common;

use std::path::{Path, PathBuf};

use common::assert_close;
use init::ndarray::{ArrayD, ArrayViewD, Axis};
use init::prelude::*;
use init::safetensors as st;
use init::{Dtype, StateDict, Tensor};

// ---------------------------------------------------------------------------------------------
// The models, field names = PyTorch attribute names.

/// The forum thread's `Net`: conv1 -> relu -> pool -> flatten -> fc.
#[derive(Module)]
struct Net {
    conv1: Conv2d<1, 3, 3>,
    pool: MaxPool2d<2, 2>,
    fc: Linear<3, 10>,
}

impl Forward for Net {
    fn forward(&self, x: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>, InitError> {
        let x = ReLU.forward(self.conv1.forward(x)?.view())?;
        let x = Flatten::default().forward(self.pool.forward(x.view())?.view())?;
        self.fc.forward(x.view())
    }
}

/// torchvision's `downsample`: `Sequential(Conv2d 1x1 stride s, no bias; BatchNorm2d)`, keys
/// `downsample.0.weight`, `downsample.1.*`.
#[derive(Module)]
#[module(sequential)]
struct Downsample<const IN: usize, const OUT: usize, const STRIDE: usize>(
    Conv2d<IN, OUT, 1, STRIDE, 0, 1, 1, false>,
    BatchNorm2d<OUT>,
);

/// torchvision's `BasicBlock(inplanes, planes, stride, downsample)`.
#[derive(Module)]
struct BasicBlock<const IN: usize, const OUT: usize, const STRIDE: usize> {
    conv1: Conv2d<IN, OUT, 3, STRIDE, 1, 1, 1, false>,
    bn1: BatchNorm2d<OUT>,
    relu: ReLU,
    conv2: Conv2d<OUT, OUT, 3, 1, 1, 1, 1, false>,
    bn2: BatchNorm2d<OUT>,
    #[module(present = STRIDE != 1 || IN != OUT)]
    downsample: Option<Downsample<IN, OUT, STRIDE>>,
}

impl<const IN: usize, const OUT: usize, const STRIDE: usize> Forward
    for BasicBlock<IN, OUT, STRIDE>
{
    fn forward(&self, x: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>, InitError> {
        let out = self.bn1.forward(self.conv1.forward(x.view())?.view())?;
        let out = self.relu.forward(out.view())?;
        let out = self.bn2.forward(self.conv2.forward(out.view())?.view())?;
        let identity = match &self.downsample {
            Some(d) => d.forward(x)?,
            None => x.to_owned(),
        };
        self.relu.forward((out + identity).view())
    }
}

/// A small torchvision-style ResNet: `layer1`/`layer2` are one-block `Sequential`s in
/// PyTorch, one-element arrays here (keys `layer1.0.conv1.weight`).
#[derive(Module)]
struct ResNet {
    conv1: Conv2d<3, 8, 3, 1, 1, 1, 1, false>,
    bn1: BatchNorm2d<8>,
    relu: ReLU,
    maxpool: MaxPool2d<2, 2>,
    layer1: [BasicBlock<8, 8, 1>; 1],
    layer2: [BasicBlock<8, 16, 2>; 1],
    avgpool: AdaptiveAvgPool2d<1, 1>,
    fc: Linear<16, 5>,
}

impl Forward for ResNet {
    fn forward(&self, x: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>, InitError> {
        let x = self.bn1.forward(self.conv1.forward(x)?.view())?;
        let x = self.maxpool.forward(self.relu.forward(x.view())?.view())?;
        let x = self.layer1[0].forward(x.view())?;
        let x = self.layer2[0].forward(x.view())?;
        let x = Flatten::default().forward(self.avgpool.forward(x.view())?.view())?;
        self.fc.forward(x.view())
    }
}

/// `nn.Sequential(nn.Linear(16, 32), nn.GELU(), nn.Linear(32, 16))`: keys `mlp.0.*`, `mlp.2.*`.
#[derive(Module)]
struct Mlp(Linear<16, 32>, GELU, Linear<32, 16>);

/// Token ids -> Embedding(50, 16, padding_idx = 0) -> LayerNorm -> MLP -> mean over the
/// sequence -> Linear(16, 4).
#[derive(Module)]
struct Text {
    embedding: Embedding<50, 16>,
    norm: LayerNorm<16>,
    mlp: Mlp,
    head: Linear<16, 4>,
}

impl Text {
    /// `ids`: int64 `[batch, seq]`; output `[batch, 4]`.
    fn run_ids(&self, ids: ArrayViewD<'_, i64>) -> Result<ArrayD<f32>, InitError> {
        let x = self.norm.forward(self.embedding.lookup(ids)?.view())?;
        let x = self.mlp.0.forward(x.view())?;
        let x = self.mlp.2.forward(self.mlp.1.forward(x.view())?.view())?;
        let x = x.mean_axis(Axis(1)).expect("the sequence is not empty");
        self.head.forward(x.view())
    }
}

/// `nn.LSTM(6, 8, num_layers=2, bidirectional=True)` (time-major) and a Linear head on the
/// last time step.
#[derive(Module)]
struct LstmHead {
    lstm: LSTM<6, 8, 2, true>,
    head: Linear<16, 3>,
}

// ---------------------------------------------------------------------------------------------
// What the tests need of each model.

trait Case: Module + Sized {
    /// The fixture name.
    const NAME: &'static str;
    /// The model with every parameter initialized from `rng`.
    fn build(rng: &mut dyn Generator) -> Result<Self, InitError>;
    /// The forward pass in evaluation mode: the outputs PyTorch's script records, in order.
    fn run(&self, input: &Tensor) -> Result<Vec<ArrayD<f32>>, InitError>;
}

fn f32_input(input: &Tensor) -> ArrayViewD<'_, f32> {
    input.as_f32().expect("the input is float32")
}

impl Case for Net {
    const NAME: &'static str = "forum_net";
    fn build(rng: &mut dyn Generator) -> Result<Self, InitError> {
        Net::new(rng)
    }
    fn run(&self, input: &Tensor) -> Result<Vec<ArrayD<f32>>, InitError> {
        Ok(vec![self.forward(f32_input(input))?])
    }
}

impl Case for ResNet {
    const NAME: &'static str = "resnet";
    fn build(rng: &mut dyn Generator) -> Result<Self, InitError> {
        let mut net = ResNet::zeroed();
        net.init_weights(rng)?;
        Ok(net)
    }
    fn run(&self, input: &Tensor) -> Result<Vec<ArrayD<f32>>, InitError> {
        Ok(vec![self.forward(f32_input(input))?])
    }
}

impl Case for Text {
    const NAME: &'static str = "text";
    fn build(rng: &mut dyn Generator) -> Result<Self, InitError> {
        let mut net = Text::zeroed();
        net.embedding = Embedding::zeroed().with_padding_idx(0)?;
        net.init_weights(rng)?;
        Ok(net)
    }
    fn run(&self, input: &Tensor) -> Result<Vec<ArrayD<f32>>, InitError> {
        Ok(vec![self.run_ids(input.as_i64().expect("token ids are int64"))?])
    }
}

impl Case for LstmHead {
    const NAME: &'static str = "lstm";
    fn build(rng: &mut dyn Generator) -> Result<Self, InitError> {
        LstmHead::new(rng)
    }
    /// `[logits, LSTM output sequence, h_n, c_n]`.
    fn run(&self, input: &Tensor) -> Result<Vec<ArrayD<f32>>, InitError> {
        let (out, (h_n, c_n)) = self.lstm.forward_with_state(f32_input(input), None)?;
        let last = out.index_axis(Axis(0), out.shape()[0] - 1);
        Ok(vec![self.head.forward(last)?, out, h_n, c_n])
    }
}

// ---------------------------------------------------------------------------------------------
// Fixtures and helpers.

fn fixture(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/state").join(file)
}

/// PyTorch's `state_dict().keys()`, in order.
fn pytorch_keys(name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(fixture("keys.json")).expect("keys.json");
    let all: serde_json::Value = serde_json::from_str(&text).expect("keys.json is JSON");
    let keys = all[name].as_array().unwrap_or_else(|| panic!("keys.json has no model {name}"));
    keys.iter().map(|k| k.as_str().expect("a key is a string").to_string()).collect()
}

/// PyTorch's state dict for `name`, read with our loader (nothing to convert: F32 and I64).
fn pytorch_state(name: &str) -> StateDict {
    let loaded = st::load(fixture(&format!("{name}.safetensors"))).expect("PyTorch's file loads");
    assert!(loaded.conversions.is_empty(), "{name}: PyTorch's file needs no conversion");
    loaded.state
}

/// `(input, [output, output.1, ...])` of an io file.
fn read_io(path: &Path) -> (Tensor, Vec<ArrayD<f32>>) {
    let state = st::load(path).expect("io file loads").state;
    let input = state.get("input").expect("io file has `input`").clone();
    let mut outputs = Vec::new();
    loop {
        let key = if outputs.is_empty() {
            "output".to_string()
        } else {
            format!("output.{}", outputs.len())
        };
        match state.get(&key) {
            Some(t) => outputs.push(t.as_f32().expect("outputs are float32").to_owned()),
            None => break,
        }
    }
    assert_eq!(state.len(), 1 + outputs.len(), "{}: unexpected tensors", path.display());
    (input, outputs)
}

/// Two state dicts hold the same keys (in any order) with identical dtypes, shapes and bits.
fn assert_same_state(ours: &StateDict, theirs: &StateDict, what: &str) {
    let mut a: Vec<&str> = ours.keys().collect();
    let mut b: Vec<&str> = theirs.keys().collect();
    a.sort_unstable();
    b.sort_unstable();
    assert_eq!(a, b, "{what}: key sets differ");
    for (key, t) in ours.iter() {
        let u = theirs.get(key).expect("same key sets");
        let same = match (t, u) {
            (Tensor::F32(x), Tensor::F32(y)) => {
                x.shape() == y.shape() && x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits())
            }
            (Tensor::I64(x), Tensor::I64(y)) => x == y,
            _ => false,
        };
        assert!(same, "{what}: {key} differs\nours {t:?}\ntheirs {u:?}");
    }
}

/// Where test 3 leaves the files for `scripts/torch_state.py --check`.
fn export_dir(kind: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("interop").join(kind);
    std::fs::create_dir_all(&dir).expect("create the export directory");
    dir
}

/// Give every BatchNorm2d / LayerNorm random affine parameters and running statistics (as the
/// PyTorch script does), drawn from `seed`: weight, bias, running_mean ~ N(0, 1), running_var ~
/// U(0.5, 2), num_batches_tracked in 1..1000.
fn randomize_norms(m: &mut dyn Module, seed: &Seed) -> Result<(), InitError> {
    let norms: Vec<String> = m
        .named_modules()
        .into_iter()
        .filter(|(_, l)| matches!(l.kind(), LayerKind::BatchNorm2d | LayerKind::LayerNorm))
        .map(|(path, _)| path)
        .collect();
    let normal = Dist::normal(0.0, 1.0).unwrap();
    for path in &norms {
        for slot in ["weight", "bias"] {
            let key = format!("{path}.{slot}");
            let shape = m.get_parameter(&key).expect("norm layers are affine").shape().to_vec();
            let mut values = vec![0f32; shape.iter().product()];
            seed.fill_at(&key, normal, 0, &mut values);
            let values = ArrayD::from_shape_vec(shape, values).expect("shape and length agree");
            m.set_parameter(&key, values.view())?;
        }
    }
    for (key, mut buffer) in m.named_buffers_mut() {
        if let Some(mut a) = buffer.as_f32_mut() {
            let dist = if key.ends_with("running_var") {
                Dist::uniform(0.5, 2.0).unwrap()
            } else {
                normal
            };
            let mut values = vec![0f32; a.len()];
            seed.fill_at(&key, dist, 0, &mut values);
            a.iter_mut().zip(values).for_each(|(x, v)| *x = v);
        } else if let Some(mut a) = buffer.as_i64_mut() {
            let mut word = [0u32];
            seed.fill_bits(&key, 0, &mut word);
            a.fill(1 + i64::from(word[0] % 999));
        }
    }
    Ok(())
}

/// Our file, read by the reference `safetensors` crate: every tensor F32 except the I64
/// `num_batches_tracked`, with the shapes of `sd`.
fn assert_standard_file(path: &Path, sd: &StateDict) {
    let bytes = std::fs::read(path).expect("our file exists");
    let file = safetensors::SafeTensors::deserialize(&bytes).expect("safetensors reads our file");
    assert_eq!(file.len(), sd.len(), "{}: tensor count", path.display());
    for (key, t) in sd.iter() {
        let view = file.tensor(key).unwrap_or_else(|e| panic!("{key}: {e}"));
        let dtype = match t.dtype() {
            Dtype::F32 => safetensors::Dtype::F32,
            Dtype::I64 => safetensors::Dtype::I64,
        };
        assert_eq!((view.dtype(), view.shape()), (dtype, t.shape()), "{key}");
        assert_eq!(dtype == safetensors::Dtype::I64, key.ends_with("num_batches_tracked"), "{key}");
    }
}

// ---------------------------------------------------------------------------------------------
// The three tests, for every model.

/// Test 1: `state_dict()` keys equal PyTorch's, in order; shapes and dtypes equal its file's.
fn check_keys<C: Case>() {
    let model = C::build(&mut Seed::new(0)).unwrap();
    let sd = model.state_dict();
    let ours: Vec<&str> = sd.keys().collect();
    assert_eq!(ours, pytorch_keys(C::NAME), "{}: state_dict keys", C::NAME);
    let torch = pytorch_state(C::NAME);
    assert_eq!(torch.len(), sd.len(), "{}: PyTorch's file holds other tensors", C::NAME);
    for (key, t) in sd.iter() {
        let p = torch.get(key).unwrap_or_else(|| panic!("{}: {key} not in the file", C::NAME));
        assert_eq!((t.dtype(), t.shape()), (p.dtype(), p.shape()), "{}: {key}", C::NAME);
    }
}

/// Test 2: PyTorch's file loads strictly; the values are PyTorch's bit for bit and so (within the
/// tolerance of the layer tests) are the forward outputs.
fn check_pytorch_file<C: Case>() {
    let torch = pytorch_state(C::NAME);
    let mut model = C::build(&mut Seed::new(1)).unwrap();
    let report = model.load_state_dict(&torch).unwrap();
    assert!(
        report.missing.is_empty() && report.unexpected.is_empty() && report.mismatched.is_empty(),
        "{}: {report}",
        C::NAME
    );
    assert_same_state(&model.state_dict(), &torch, C::NAME);
    let (input, want) = read_io(&fixture(&format!("{}.io.safetensors", C::NAME)));
    let got = model.run(&input).unwrap();
    assert_eq!(got.len(), want.len(), "{}: number of outputs", C::NAME);
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_close(g, w, &format!("{}: output {i}", C::NAME));
    }
}

/// Test 3: our files, for `scripts/torch_state.py --check`: PyTorch's values saved by us
/// (`roundtrip/`), and a model of ours with the outputs of our forward pass (`fresh/`). Both
/// reload bit-identically here and are read by the reference `safetensors` crate.
fn check_our_files<C: Case>(seed: u64) {
    // roundtrip/: PyTorch's file -> our model -> our file.
    let torch = pytorch_state(C::NAME);
    let mut model = C::build(&mut Seed::new(2)).unwrap();
    model.load_state_dict(&torch).unwrap();
    let path = export_dir("roundtrip").join(format!("{}.safetensors", C::NAME));
    st::save(&model.state_dict(), &path).unwrap();
    let back = st::load(&path).unwrap();
    assert!(back.conversions.is_empty());
    assert_same_state(&back.state, &torch, C::NAME);
    assert_standard_file(&path, &torch);

    // fresh/: our initialization, randomized norms, our outputs on PyTorch's input.
    let seed = Seed::new(seed);
    let mut model = C::build(&mut seed.clone()).unwrap();
    randomize_norms(&mut model, &seed).unwrap();
    let (input, _) = read_io(&fixture(&format!("{}.io.safetensors", C::NAME)));
    let outputs = model.run(&input).unwrap();
    let sd = model.state_dict();
    let dir = export_dir("fresh");
    let path = dir.join(format!("{}.safetensors", C::NAME));
    st::save(&sd, &path).unwrap();
    let mut io = StateDict::new();
    io.insert("input", input.clone()).unwrap();
    for (i, out) in outputs.iter().enumerate() {
        let key = if i == 0 { "output".to_string() } else { format!("output.{i}") };
        io.insert(key, Tensor::F32(out.clone())).unwrap();
    }
    st::save(&io, dir.join(format!("{}.io.safetensors", C::NAME))).unwrap();
    assert_standard_file(&path, &sd);

    // Reloaded into another model of ours: the same values and the same outputs, bit for bit.
    let mut other = C::build(&mut Seed::new(seed.seed() + 1)).unwrap();
    other.load_state_dict(&st::load(&path).unwrap().state).unwrap();
    assert_same_state(&other.state_dict(), &sd, C::NAME);
    assert_eq!(other.run(&input).unwrap(), outputs, "{}: outputs after reload", C::NAME);
    for kind in ["roundtrip", "fresh"] {
        eprintln!(
            "{}: check with: .venv-torch/bin/python scripts/torch_state.py --check {}",
            C::NAME,
            export_dir(kind).display()
        );
    }
}

macro_rules! cases {
    ($($name:ident: $model:ty, $seed:expr;)*) => {$(
        mod $name {
            use super::*;

            #[test]
            fn state_dict_keys_match_pytorch() {
                check_keys::<$model>();
            }

            #[test]
            fn pytorch_file_loads_and_outputs_match() {
                check_pytorch_file::<$model>();
            }

            #[test]
            fn our_files_for_pytorch() {
                check_our_files::<$model>($seed);
            }
        }
    )*};
}

cases! {
    forum_net: Net, 10;
    resnet: ResNet, 11;
    text: Text, 12;
    lstm: LstmHead, 13;
}
