//! μP against microsoft/mup 1.0.0: `scripts/mup_fixtures.py` built two models (an MLP and a
//! tiny transformer block) at base width 32, delta 64 and widths 64, 128, 256, called
//! `set_base_shapes` and `mup.init.*` after `torch.manual_seed(7)`, and recorded every
//! parameter's infshape, the optimizers' multipliers, the std or bounds of each mup.init call
//! and every tensor's bits (tests/fixtures/mup/mup.json). Here: the same program with
//! `TorchGenerator` gives the same bits, the same infshapes, the same multipliers; with `Seed`,
//! the μP std; and the errors.

use init::prelude::*;
use init::safetensors::{load, save_with_metadata};
use init::{
    BaseShapes, Embedding, FanAxes, FanMode, Init, LayerNorm, Linear, LrTable, Mup, Nonlinearity,
    Rules, Seed, Target, TorchGenerator, TorchLoop,
};
use serde_json::Value;

#[path = "models/hash.rs"]
mod hash;
use hash::bits_hash;

#[derive(Module)]
struct Mlp<const W: usize> {
    fc1: Linear<16, W>,
    fc2: Linear<W, W>,
    out: Linear<W, 10>,
}

#[derive(Module)]
struct Tiny<const W: usize, const F: usize> {
    emb: Embedding<50, W>,
    q: Linear<W, W>,
    k: Linear<W, W>,
    v: Linear<W, W>,
    o: Linear<W, W>,
    ln: LayerNorm<W>,
    fc: Linear<W, F>,
    proj: Linear<F, W>,
    head: Linear<W, 50>,
}

fn fixture() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mup/mup.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A float written by the script as the hex of its bits.
fn f(v: &Value) -> f64 {
    f64::from_bits(u64::from_str_radix(v.as_str().unwrap(), 16).unwrap())
}

fn case<'a>(fx: &'a Value, model: &str, width: u64) -> &'a Value {
    fx["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["model"] == model && c["width"].as_u64() == Some(width))
        .unwrap()
}

/// The standard-parametrization init of one recorded mup.init call.
fn sp_init(call: &Value) -> Init {
    let kw = &call["kwargs"];
    let num = |k: &str, d: f64| if kw[k].is_null() { d } else { f(&kw[k]) };
    let mode = || kw["mode"].as_str().unwrap_or("fan_in").parse::<FanMode>().unwrap();
    let nl =
        || kw["nonlinearity"].as_str().unwrap_or("leaky_relu").parse::<Nonlinearity>().unwrap();
    let axes = FanAxes::TORCH;
    match call["fn"].as_str().unwrap() {
        "normal_" => Init::Normal { mean: num("mean", 0.0), std: num("std", 1.0) },
        "uniform_" => Init::Uniform { a: num("a", 0.0), b: num("b", 1.0) },
        "xavier_uniform_" => Init::XavierUniform { gain: num("gain", 1.0), axes },
        "xavier_normal_" => Init::XavierNormal { gain: num("gain", 1.0), axes },
        "kaiming_normal_" => {
            Init::KaimingNormal { a: num("a", 0.0), mode: mode(), nonlinearity: nl(), axes }
        }
        "kaiming_uniform_" => {
            Init::KaimingUniform { a: num("a", 0.0), mode: mode(), nonlinearity: nl(), axes }
        }
        "trunc_normal_" => Init::TruncNormal {
            mean: num("mean", 0.0),
            std: num("std", 1.0),
            a: num("a", -2.0),
            b: num("b", 2.0),
        },
        other => panic!("unknown call {other}"),
    }
}

fn split(path: &str) -> (&str, &str) {
    path.rsplit_once('.').unwrap_or(("", path))
}

/// The `Mup` and the SP rules of a program's recorded calls (zeros: `zero_init`, or
/// `readout_zero_init` for the readout's).
fn mup_and_sp(
    c: &Value,
    program: &str,
    base: &dyn Module,
    delta: &dyn Module,
    readout: &str,
) -> (Mup, Rules) {
    let calls = c["programs"][program]["calls"].as_object().unwrap();
    let mut mup = Mup::new(base).delta(delta).unwrap().readout(readout);
    let mut sp = Rules::new();
    for (path, call) in calls {
        if call["fn"] == "zeros" {
            if path.starts_with(&format!("{readout}.")) {
                mup = mup.readout_zero_init(true);
            } else {
                mup = mup.zero_init(path.clone());
            }
        } else {
            let (m, name) = split(path);
            sp = sp.module(m.to_string(), name.to_string(), sp_init(call));
        }
    }
    (mup, sp)
}

/// The program of one fixture case, with `TorchGenerator`: construction, `rescale`, the μP
/// rules of the recorded calls in `named_parameters` order. Returns the mismatches.
fn run_program<M: Module + Zeroed>(
    fx: &Value,
    c: &Value,
    program: &str,
    base: &dyn Module,
    delta: &dyn Module,
    readout: &str,
) -> Vec<String> {
    let p = &c["programs"][program];
    let calls = p["calls"].as_object().unwrap();
    let (mup, sp) = mup_and_sp(c, program, base, delta, readout);
    let mut g = TorchGenerator::new(fx["seed"].as_u64().unwrap());
    let mut model = M::zeroed();
    model.init_weights_torch(&mut g, TorchLoop::Modules).unwrap();
    mup.rescale(&mut model).unwrap();
    let rules = mup.rules(&model, &sp).unwrap();
    rules.apply_torch(&mut model, &mut g, TorchLoop::Modules).unwrap();

    let mut bad = Vec::new();
    let where_ = |path: &str| format!("{} w={} {program} {path}", c["model"], c["width"]);
    // The std or bounds of each call, to the bit.
    for (path, call) in calls {
        let (m, name) = split(path);
        let rule = rules
            .as_slice()
            .iter()
            .find(|r| {
                r.target() == &Target::Module(m.to_string().into()) && r.param() == Some(name)
            })
            .unwrap();
        let ok = match (call["op"].as_str(), rule.init()) {
            (None, Init::Zeros) => true,
            (Some("normal_"), Init::Normal { mean, std }) => {
                mean.to_bits() == f(&call["mean"]).to_bits()
                    && std.to_bits() == f(&call["std"]).to_bits()
            }
            (Some("trunc_normal_"), Init::TruncNormal { mean, std, a, b }) => {
                [(mean, "mean"), (std, "std"), (a, "a"), (b, "b")]
                    .iter()
                    .all(|(v, k)| v.to_bits() == f(&call[*k]).to_bits())
            }
            (Some("uniform_"), Init::Uniform { a, b }) => {
                a.to_bits() == f(&call["a"]).to_bits() && b.to_bits() == f(&call["b"]).to_bits()
            }
            _ => false,
        };
        if !ok {
            bad.push(format!("{}: {} vs {call}", where_(path), rule.init()));
        }
    }
    for (path, param) in model.named_parameters() {
        let t = &p["tensors"][&path];
        let head: Vec<String> =
            param.as_slice().iter().take(8).map(|v| format!("{:08x}", v.to_bits())).collect();
        let hash = format!("{:016x}", bits_hash(param.as_slice()));
        if t["hash"] != hash.as_str() || t["head"] != serde_json::json!(head) {
            bad.push(format!("{}: bits differ (head {head:?} vs {})", where_(&path), t["head"]));
        }
    }
    bad
}

/// Infshapes and the optimizers' multipliers of one case, against mup's.
fn check_shapes(c: &Value, model: &dyn Module, mup: &Mup) -> Vec<String> {
    let shapes = mup.infshapes(model).unwrap();
    let table = mup.lr_table(model).unwrap();
    let mut bad = Vec::new();
    let params = c["params"].as_array().unwrap();
    assert_eq!(params.len(), table.rows().len());
    for (p, row) in params.iter().zip(table.rows()) {
        let path = p["name"].as_str().unwrap();
        assert_eq!(row.path, path);
        let s = shapes.get(path).unwrap();
        let base: Vec<Option<usize>> =
            p["base"].as_array().unwrap().iter().map(|b| b.as_u64().map(|b| b as usize)).collect();
        let shape: Vec<usize> =
            p["shape"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).collect();
        let pair = |k: &str| (f(&p[k][0]), f(&p[k][1]));
        let same = |a: (f64, f64), b: (f64, f64)| {
            a.0.to_bits() == b.0.to_bits() && a.1.to_bits() == b.1.to_bits()
        };
        let checks = [
            s.base_shape() == base && s.shape() == shape,
            s.ninf() as u64 == p["ninf"].as_u64().unwrap(),
            s.width_mult().to_bits() == f(&p["width_mult"]).to_bits(),
            same((row.adam_lr, row.adam_weight_decay), pair("adam_unit")),
            same((row.adam_lr, row.adam_weight_decay), pair("adamw_unit")),
            same((row.sgd_lr, row.sgd_weight_decay), pair("sgd_unit")),
            same(row.adam(0.003, 0.01), pair("adam_run")),
            same(row.sgd(0.003, 0.01), pair("sgd_run")),
        ];
        if checks.contains(&false) {
            bad.push(format!(
                "{} w={} {path}: {checks:?} {s} {row:?} vs {p}",
                c["model"], c["width"]
            ));
        }
    }
    bad
}

/// The programs the script ran for this case (one that calls nothing is left out).
fn programs(c: &Value) -> Vec<String> {
    c["programs"].as_object().unwrap().keys().cloned().collect()
}

fn check_mlp<const W: usize>(fx: &Value) -> Vec<String> {
    let (base, delta) = (Mlp::<32>::zeroed(), Mlp::<64>::zeroed());
    let c = case(fx, "mlp", W as u64);
    let mup = Mup::new(&base).delta(&delta).unwrap().readout("out");
    let mut bad = check_shapes(c, &Mlp::<W>::zeroed(), &mup);
    assert_eq!(programs(c).len(), 6);
    for program in programs(c) {
        bad.extend(run_program::<Mlp<W>>(fx, c, &program, &base, &delta, "out"));
    }
    bad
}

fn check_tiny<const W: usize, const F: usize>(fx: &Value) -> Vec<String> {
    let (base, delta) = (Tiny::<32, 128>::zeroed(), Tiny::<64, 256>::zeroed());
    let c = case(fx, "tiny", W as u64);
    let mup = Mup::new(&base).delta(&delta).unwrap().readout("head");
    let mut bad = check_shapes(c, &Tiny::<W, F>::zeroed(), &mup);
    assert_eq!(programs(c).len(), 5);
    for program in programs(c) {
        bad.extend(run_program::<Tiny<W, F>>(fx, c, &program, &base, &delta, "head"));
    }
    bad
}

#[test]
fn every_tensor_infshape_and_multiplier_is_mups_at_three_widths() {
    let fx = fixture();
    assert_eq!(fx["versions"]["mup"], "1.0.0");
    let mut bad = Vec::new();
    bad.extend(check_mlp::<64>(&fx));
    bad.extend(check_mlp::<128>(&fx));
    bad.extend(check_mlp::<256>(&fx));
    bad.extend(check_tiny::<64, 256>(&fx));
    bad.extend(check_tiny::<128, 512>(&fx));
    bad.extend(check_tiny::<256, 1024>(&fx));
    assert!(bad.is_empty(), "{} mismatches:\n{}", bad.len(), bad.join("\n"));
}

fn std_of(v: &[f32]) -> f64 {
    let n = v.len() as f64;
    let mean = v.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
    (v.iter().map(|&x| (f64::from(x) - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}

#[test]
fn with_seed_the_sampled_std_is_the_mup_std() {
    let base = Tiny::<32, 128>::zeroed();
    let mup = Mup::new(&base).delta(&Tiny::<64, 256>::zeroed()).unwrap().readout("head");
    let mut model = Tiny::<256, 1024>::zeroed();
    let sp = Rules::new().glob("*.weight", Init::Normal { mean: 0.0, std: 0.02 }).module(
        "emb",
        "weight",
        Init::Normal { mean: 0.0, std: 1.0 },
    );
    let rules = mup.rules(&model, &sp).unwrap();
    rules.init_weights(&mut model, &mut Seed::new(3)).unwrap();
    // Hidden weights: 0.02 / sqrt(256 / 32); vector-like ones keep their std.
    let cases = [
        ("fc.weight", 0.02 / 8f64.sqrt()),
        ("proj.weight", 0.02 / 8f64.sqrt()),
        ("q.weight", 0.02 / 8f64.sqrt()),
        ("head.weight", 0.02),
        ("emb.weight", 1.0),
    ];
    for (path, want) in cases {
        let got = std_of(model.get_parameter(path).unwrap().as_slice());
        // n >= 12800 values: the sample std is within 2% of the std (over 3 standard errors).
        assert!((got / want - 1.0).abs() < 0.02, "{path}: std {got}, μP std {want}");
    }
    let fc = model.get_parameter("fc.weight").unwrap();
    assert_eq!(
        fc.origin(),
        Some(
            "normal(std = 0.007071067811865476) by μP (width_mult 8): normal(std = 0.02) by rule \"*.weight\""
        )
    );
    // Biases: their defaults (no rule matched them); vector-like weights unchanged.
    assert_eq!(model.get_parameter("ln.bias").unwrap().origin(), Some("default: LayerNorm"));
    assert_eq!(
        model.get_parameter("ln.weight").unwrap().origin(),
        Some(
            "normal(std = 0.02) by μP (unchanged, 1 width dimension(s)): normal(std = 0.02) by rule \"*.weight\""
        )
    );
}

#[test]
fn the_multipliers_survive_a_safetensors_file() {
    let base = Mlp::<32>::zeroed();
    let mup = Mup::new(&base)
        .delta(&Mlp::<64>::zeroed())
        .unwrap()
        .readout("out")
        .output_mult(2.0)
        .attention(16);
    let model = Mlp::<128>::new(&mut Seed::new(0)).unwrap();
    let meta = mup.metadata(&model).unwrap();
    let dir = std::env::temp_dir().join(format!("init-mup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("mlp.safetensors");
    save_with_metadata(&model.state_dict(), &meta, &path).unwrap();
    let loaded = load(&path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(loaded.state, model.state_dict());
    assert_eq!(loaded.metadata["format"], "pt");
    assert_eq!(loaded.metadata["mup.readouts"], "out");
    assert_eq!(loaded.metadata["mup.readout.out"], "output_mult=2.0 width_mult=4.0 input_mult=0.5");
    assert_eq!(loaded.metadata["mup.attention"], "d_head=16 scale=0.0625 rule=1/d_head");
    assert_eq!(
        loaded.metadata["mup.param.fc2.weight"],
        "base=32,32 shape=128,128 ninf=2 width_mult=4.0 adam_lr=0.25 adam_weight_decay=4.0 sgd_lr=1.0 sgd_weight_decay=1.0"
    );
    let table = LrTable::from_metadata(&loaded.metadata).unwrap();
    assert_eq!(table, mup.lr_table(&model).unwrap());
    assert_eq!(
        table.to_string(),
        "\
parameter   infshape                            ninf  width_mult  adam_lr  adam_wd  sgd_lr  sgd_wd
fc1.weight  [InfDim(32, 128), FinDim(16)]       1     4           1        1        4       0.25
fc1.bias    [InfDim(32, 128)]                   1     4           1        1        4       0.25
fc2.weight  [InfDim(32, 128), InfDim(32, 128)]  2     4           0.25     4        1       1
fc2.bias    [InfDim(32, 128)]                   1     4           1        1        4       0.25
out.weight  [FinDim(10), InfDim(32, 128)]       1     4           1        1        4       0.25
out.bias    [FinDim(10)]                        0     1           1        1        1       1
"
    );
}

#[test]
fn metadata_that_disagrees_with_its_shapes_is_refused() {
    let mup = Mup::new(&Mlp::<32>::zeroed()).readout("out");
    let mut meta = mup.metadata(&Mlp::<64>::zeroed()).unwrap();
    let key = "mup.param.fc2.weight".to_string();
    let edited = meta[&key].replace("adam_lr=0.5", "adam_lr=0.25");
    meta.insert(key, edited);
    assert_eq!(
        LrTable::from_metadata(&meta).unwrap_err().to_string(),
        "mup.param.fc2.weight: μP: metadata value \"base=32,32 shape=64,64 ninf=2 width_mult=2.0 adam_lr=0.25 \
         adam_weight_decay=2.0 sgd_lr=1.0 sgd_weight_decay=1.0\": `adam_lr` is 0.25, the shapes give 0.5"
    );
    let mut meta = mup.metadata(&Mlp::<64>::zeroed()).unwrap();
    meta.insert("mup.param.fc9.weight".into(), String::new());
    assert_eq!(
        LrTable::from_metadata(&meta).unwrap_err().to_string(),
        "mup.param.fc9.weight: μP: not listed in mup.params"
    );
    let mut meta = mup.metadata(&Mlp::<64>::zeroed()).unwrap();
    meta.remove("mup.param.out.bias");
    assert_eq!(
        LrTable::from_metadata(&meta).unwrap_err().to_string(),
        "mup.param.out.bias: μP: missing from the μP metadata"
    );
}

#[test]
fn base_shapes_that_do_not_fit_the_model_are_errors_naming_the_parameter() {
    // A parameter the base lacks.
    let base = BaseShapes::from_list(vec![
        ("fc1.weight".into(), vec![Some(32), None]),
        ("fc1.bias".into(), vec![Some(32)]),
        ("fc2.weight".into(), vec![Some(32), Some(32)]),
        ("out.weight".into(), vec![None, Some(32)]),
        ("out.bias".into(), vec![None]),
    ])
    .unwrap();
    let err = Mup::from_base_shapes(base.clone()).readout("out").infshapes(&Mlp::<64>::zeroed());
    assert_eq!(
        err.unwrap_err().to_string(),
        "fc2.bias: μP: no base shape for this parameter (missing: fc2.bias)"
    );
    // A parameter the model lacks.
    let mut list = base.to_list();
    list.push(("fc2.bias".into(), vec![Some(32)]));
    list.push(("fc3.weight".into(), vec![Some(32), Some(32)]));
    let err = Mup::from_base_shapes(BaseShapes::from_list(list.clone()).unwrap())
        .readout("out")
        .infshapes(&Mlp::<64>::zeroed());
    assert_eq!(
        err.unwrap_err().to_string(),
        "fc3.weight: μP: the base shapes hold this parameter, the model does not (extra: fc3.weight)"
    );
    // A rank that differs.
    list.pop();
    if let Some(entry) = list.iter_mut().find(|(p, _)| p == "fc2.weight") {
        entry.1 = vec![Some(32), Some(32), None];
    }
    let err = Mup::from_base_shapes(BaseShapes::from_list(list).unwrap())
        .readout("out")
        .infshapes(&Mlp::<64>::zeroed());
    assert_eq!(
        err.unwrap_err().to_string(),
        "fc2.weight: μP: the base shape has 3 dimensions, the model's shape [64, 64] has 2"
    );
}

#[test]
fn a_hidden_linear_into_a_finite_output_must_be_a_readout() {
    let mup = Mup::new(&Mlp::<32>::zeroed());
    let err = mup.infshapes(&Mlp::<64>::zeroed()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "out: μP: a Linear with a finite fan-out and a width fan-in ([FinDim(10), InfDim(32, 64)]) \
         must be a readout: declare it with Mup::readout(\"out\"), or make its fan-out a width"
    );
    assert_eq!(err.path(), "out");
    // Every entry point checks it.
    let mut model = Mlp::<64>::zeroed();
    assert_eq!(mup.rescale(&mut model).unwrap_err(), err);
    assert_eq!(mup.rules(&model, &Rules::new()).unwrap_err(), err);
    assert_eq!(mup.lr_table(&model).unwrap_err(), err);
    let err = Mup::new(&Mlp::<32>::zeroed()).readout("head").infshapes(&model).unwrap_err();
    assert_eq!(
        err.to_string(),
        "head: μP: declared a readout, but the model has no module at this path"
    );
}

#[test]
fn an_init_mup_has_no_form_of_is_an_error_naming_the_parameter() {
    let mup = Mup::new(&Mlp::<32>::zeroed()).readout("out");
    let model = Mlp::<64>::zeroed();
    let sp = Rules::new().module("fc2", "weight", Init::Orthogonal { gain: 1.0 });
    assert_eq!(
        mup.rules(&model, &sp).unwrap_err().to_string(),
        "fc2.weight: μP: mup has no μP form of orthogonal (a parameter with width dimensions, \
         [InfDim(32, 64), InfDim(32, 64)]); use normal, uniform, trunc_normal, xavier_*, kaiming_* or zeros"
    );
    let sp = Rules::new().module("fc2", "weight", Init::Normal { mean: 1.0, std: 0.02 });
    assert_eq!(
        mup.rules(&model, &sp).unwrap_err().to_string(),
        "fc2.weight: μP: normal with a mean other than 0 on a parameter with 2 width dimensions \
         ([InfDim(32, 64), InfDim(32, 64)]); mup's sampler for (inf, inf) tensors needs mean 0"
    );
    // Finite parameters keep any scheme.
    let sp = Rules::new().module("out", "bias", Init::Orthogonal { gain: 1.0 });
    assert!(mup.rules(&model, &sp).is_ok());
}

#[test]
fn base_shape_files_are_mups_byte_for_byte() {
    let fx = fixture();
    let mlp = Mup::new(&Mlp::<32>::zeroed()).delta(&Mlp::<64>::zeroed()).unwrap();
    let tiny = Mup::new(&Tiny::<32, 128>::zeroed()).delta(&Tiny::<64, 256>::zeroed()).unwrap();
    assert_eq!(mlp.base_shapes().to_bsh().unwrap(), fx["bsh"]["mlp"].as_str().unwrap());
    assert_eq!(tiny.base_shapes().to_bsh().unwrap(), fx["bsh"]["tiny"].as_str().unwrap());
    // Read back, the same infshapes.
    let read = BaseShapes::from_bsh(fx["bsh"]["tiny"].as_str().unwrap()).unwrap();
    let model = Tiny::<128, 512>::zeroed();
    let from_file = Mup::from_base_shapes(read).readout("head").infshapes(&model).unwrap();
    assert_eq!(from_file, tiny.readout("head").infshapes(&model).unwrap());
    // Base shapes from a base model alone have no file.
    let err = Mup::new(&Mlp::<32>::zeroed()).base_shapes().to_bsh().unwrap_err();
    assert!(err.to_string().starts_with("μP: base shapes made from a base model alone"), "{err}");
}

#[derive(Module)]
struct Lm<const W: usize> {
    emb: Embedding<50, W>,
    #[module(tie(weight = emb.weight))]
    head: Linear<W, 50, false>,
}

#[test]
fn a_readout_tied_to_the_embedding_rescales_the_shared_weight_as_mup_does() {
    let mup = Mup::new(&Lm::<32>::zeroed()).readout("head");
    let mut model = Lm::<128>::new(&mut Seed::new(1)).unwrap();
    let before = model.get_parameter("emb.weight").unwrap().as_slice().to_vec();
    assert_eq!(mup.rescale(&mut model).unwrap(), ["emb.weight"]);
    let after = model.get_parameter("emb.weight").unwrap().as_slice();
    assert_eq!(after[5], before[5] * 2.0);
    assert_eq!(model.get_parameter("head.weight").unwrap().as_slice()[5], after[5]);
    let meta = mup.metadata(&model).unwrap();
    assert_eq!(meta["mup.readout.head"], "output_mult=1.0 width_mult=4.0 input_mult=0.25");
    // Not declared a readout: the shared weight maps a width to 50 outputs.
    let err = Mup::new(&Lm::<32>::zeroed()).infshapes(&model).unwrap_err();
    assert_eq!(err.path(), "head");
}

/// `init_rules` with `Seed` against mup's own values (the `TorchGenerator` program, which is
/// mup's bit for bit): the same distribution for every parameter, program and model at width
/// 256, judged by the sample std (within 8 standard errors) and the largest value.
#[test]
fn init_rules_with_seed_draw_mups_distributions() {
    let fx = fixture();
    let mut bad = Vec::new();
    let mut compare = |c: &Value, program: &str, ours: &dyn Module, mups: &dyn Module| {
        for ((path, a), (_, b)) in ours.named_parameters().into_iter().zip(mups.named_parameters())
        {
            let (sa, sb) = (std_of(a.as_slice()), std_of(b.as_slice()));
            let n = a.numel() as f64;
            let tol = 8.0 / (2.0 * n).sqrt() * sb + 1e-12;
            let max = |v: &[f32]| v.iter().fold(0f32, |m, x| m.max(x.abs()));
            if (sa - sb).abs() > tol || max(a.as_slice()) > 1.5 * max(b.as_slice()) + 1e-6 {
                bad.push(format!("{} {program} {path}: std {sa} vs mup's {sb}", c["model"]));
            }
        }
    };
    let (base, delta) = (Mlp::<32>::zeroed(), Mlp::<64>::zeroed());
    let c = case(&fx, "mlp", 256);
    for program in programs(c) {
        let (mup, sp) = mup_and_sp(c, &program, &base, &delta, "out");
        let mut ours = Mlp::<256>::zeroed();
        let rng = &mut Seed::new(5);
        sp.init_weights(&mut ours, rng).unwrap();
        mup.init_rules(&ours, &sp).unwrap().apply(&mut ours, rng).unwrap();
        let mut mups = Mlp::<256>::zeroed();
        let g = &mut TorchGenerator::new(7);
        mups.init_weights_torch(g, TorchLoop::Modules).unwrap();
        mup.rescale(&mut mups).unwrap();
        mup.rules(&mups, &sp).unwrap().apply_torch(&mut mups, g, TorchLoop::Modules).unwrap();
        compare(c, &program, &ours, &mups);
    }
    let (base, delta) = (Tiny::<32, 128>::zeroed(), Tiny::<64, 256>::zeroed());
    let c = case(&fx, "tiny", 256);
    for program in programs(c) {
        let (mup, sp) = mup_and_sp(c, &program, &base, &delta, "head");
        let mut ours = Tiny::<256, 1024>::zeroed();
        let rng = &mut Seed::new(5);
        sp.init_weights(&mut ours, rng).unwrap();
        mup.init_rules(&ours, &sp).unwrap().apply(&mut ours, rng).unwrap();
        let mut mups = Tiny::<256, 1024>::zeroed();
        let g = &mut TorchGenerator::new(7);
        mups.init_weights_torch(g, TorchLoop::Modules).unwrap();
        mup.rescale(&mut mups).unwrap();
        mup.rules(&mups, &sp).unwrap().apply_torch(&mut mups, g, TorchLoop::Modules).unwrap();
        compare(c, &program, &ours, &mups);
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn rescale_scales_the_intended_std_with_the_values() {
    // The init report compares each parameter with the std its init meant: after
    // set_base_shapes' rescale, that is the default's std times the factor.
    let mup = Mup::new(&Mlp::<32>::zeroed()).readout("out");
    let mut model = Mlp::<128>::new(&mut Seed::new(0)).unwrap();
    let before = model.get_parameter("out.weight").unwrap().intended_std().unwrap();
    // Linear's default kaiming_uniform(a = sqrt 5) over fan_in 128: std 1 / sqrt(3 * 128).
    assert!((before - 1.0 / (3.0f64 * 128.0).sqrt()).abs() < 1e-12, "{before}");
    mup.rescale(&mut model).unwrap();
    let after = model.get_parameter("out.weight").unwrap().intended_std().unwrap();
    assert_eq!(after, before * f64::from(4f64.powf(0.5) as f32), "width_mult 4: times 2");
}
