//! `Plan::of`: the plan of a derived model, computed entry by entry, equals the state dict
//! `M::new(&mut Seed::new(s))` builds, bit for bit, for the real models of tests/models/ and
//! a net holding every `LayerKind` (each layer's imperative defaults included: LayerNorm's
//! ones, Embedding's zeroed `padding_idx` row, MultiheadAttention's zeroed biases, PReLU's
//! constant, bare parameters and buffers, a tied alias, whole-tensor schemes).

mod models;

use init::prelude::*;
use init::{ModuleExt, Plan, Source, StateDict, Tensor};

#[derive(Module)]
#[init("lm_head.weight" = normal(std = 0.5))]
struct EveryKind {
    lin: Linear<3, 4>,
    bil: Bilinear<2, 3, 4>,
    c1: Conv1d<2, 4, 3>,
    c2: Conv2d<2, 4, 3, 1, 0, 1, 2>,
    c3: Conv3d<2, 4, 3, 1, 0, 1, 1, false>,
    t1: ConvTranspose1d<2, 4, 3, 2, 1, 1, 1, 2>,
    t2: ConvTranspose2d<2, 4, 3>,
    t3: ConvTranspose3d<2, 4, 3, 1, 0, 0, 1, 1, true, 2, 1>,
    hf: Conv1D<4, 3>,
    bn1: BatchNorm1d<4>,
    bn2: BatchNorm2d<4>,
    bn3: BatchNorm3d<4>,
    #[layer(affine = true)]
    in1: InstanceNorm1d<4>,
    #[layer(affine = true, track_running_stats = true)]
    in2: InstanceNorm2d<4>,
    ln: LayerNorm<4, 5>,
    rms: RMSNorm<4, 5>,
    gn: GroupNorm<2, 4>,
    #[layer(padding_idx = 3)]
    emb: Embedding<10, 4>,
    lstm: LSTM<4, 8, 3, true>,
    gru: GRU<4, 8, 2, true, false>,
    mha: MultiheadAttention<8, 2>,
    mha_kv: MultiheadAttention<8, 2, 4, 6, false>,
    enc: TransformerEncoderLayer<8, 2, 16>,
    dec: TransformerDecoderLayer<8, 2, 16>,
    prelu: PReLU<3>,
    mp1: MaxPool1d<2>,
    mp2: MaxPool2d<2>,
    mp3: MaxPool3d<2>,
    ap1: AvgPool1d<2>,
    ap2: AvgPool2d<2>,
    ap3: AvgPool3d<2>,
    aap1: AdaptiveAvgPool1d<2>,
    aap2: AdaptiveAvgPool2d<2, 2>,
    relu: ReLU,
    leaky: LeakyReLU,
    gelu: GELU,
    silu: SiLU,
    tanh: Tanh,
    sigmoid: Sigmoid,
    softmax: Softmax,
    log_softmax: LogSoftmax,
    dropout: Dropout,
    identity: Identity,
    flatten: Flatten,
    upsample: Upsample,
    #[module(filled_later)]
    seq: Sequential,
    #[module(len = 2)]
    list: ModuleList<Linear<2, 2>>,
    #[param(shape = [1, 3])]
    cls: Param,
    #[buffer(shape = [3])]
    #[init(constant(0.5))]
    scale: Buffer,
    #[buffer(shape = [2], persistent = false)]
    #[init(ones)]
    mask: Buffer,
    #[init(orthogonal(gain = 2.0))]
    orth: Linear<6, 4>,
    #[init(sparse(sparsity = 0.5))]
    sparse: Linear<6, 4>,
    #[init(eye)]
    eye: Linear<4, 4, false>,
    #[init(dirac)]
    dirac: Conv2d<4, 4, 3>,
    #[init(delta_orthogonal)]
    delta: Conv2d<4, 4, 3>,
    #[init(values = [[1, -2.5], [0.25, 3]])]
    vals: Linear<2, 2>,
    #[init(trunc_normal(std = 0.02), bias = constant(0.5))]
    tn: Linear<4, 4>,
    lm_head_src: Embedding<5, 3>,
    #[module(tie(weight = lm_head_src.weight))]
    lm_head: Linear<3, 5, false>,
}

/// Every entry of `plan` computed alone against `want`, the initialized model's state dict:
/// same keys in the same order, same shapes, same bits.
fn assert_plan_gives(plan: &Plan, want: &StateDict, seed: u64) {
    let seed = Seed::new(seed);
    let keys: Vec<&str> = plan.entries().iter().map(|e| e.key()).collect();
    let want_keys: Vec<&str> = want.iter().map(|(k, _)| k).collect();
    assert_eq!(keys, want_keys);
    for e in plan.entries() {
        let t = want.get(e.key()).unwrap();
        assert_eq!(e.shape(), t.shape(), "{}", e.key());
        match (e.source(), t) {
            (Source::Tensor(ours), theirs) => assert_eq!(ours, theirs, "{}", e.key()),
            (Source::Tied { target }, Tensor::F32(a)) => {
                let Tensor::F32(b) = want.get(target).unwrap() else { panic!("{target}") };
                assert_eq!(a, b, "{} tied to {target}", e.key());
            }
            (_, Tensor::F32(a)) => {
                let got = e.values(&seed).unwrap();
                let a: Vec<u32> = a.iter().map(|v| v.to_bits()).collect();
                let got: Vec<u32> = got.iter().map(|v| v.to_bits()).collect();
                assert!(got == a, "{}: {:?} differs from the model's values", e.key(), e.source());
            }
            (s, t) => panic!("{}: {s:?} against {t:?}", e.key()),
        }
    }
}

#[test]
fn every_layer_kind_plans_its_initialized_values() {
    let plan = Plan::of::<EveryKind>().unwrap();
    let net = EveryKind::new(&mut Seed::new(3)).unwrap();
    assert_plan_gives(&plan, &net.state_dict(), 3);
    // What the plan holds for the imperative defaults.
    let src = |k: &str| plan.get(k).unwrap().source().clone();
    assert_eq!(
        src("emb.weight"),
        Source::Init { init: Init::Normal { mean: 0.0, std: 1.0 }, zero_rows: vec![3] }
    );
    assert_eq!(src("mha.out_proj.bias"), Source::Init { init: Init::Zeros, zero_rows: vec![] });
    assert_eq!(src("ln.weight"), Source::Init { init: Init::Ones, zero_rows: vec![] });
    assert_eq!(src("lm_head.weight"), Source::Tied { target: "lm_head_src.weight".into() });
}

#[test]
fn planning_writes_no_parameter() {
    let mut net = <EveryKind as Zeroed>::zeroed();
    // What construction put there (zeros; InstanceNorm's affine ones, PReLU's 0.25).
    let built = net.state_dict();
    Plan::from_module(&mut net).unwrap();
    for (k, p) in net.named_parameters() {
        let Some(Tensor::F32(before)) = built.get(&k) else { panic!("{k}") };
        assert!(p.view() == before.view(), "{k} was written while planning");
    }
}

#[test]
fn resnet18_plans_its_initialized_values() {
    let plan = Plan::from_module(&mut models::resnet::resnet18()).unwrap();
    let net = models::resnet::ResNet::new(&mut Seed::new(0)).unwrap();
    assert_plan_gives(&plan, &net.state_dict(), 0);
}

#[test]
fn gpt2_vit_and_dcgan_plan_their_initialized_values() {
    let plan = Plan::of::<models::gpt2::small::GPT2LMHeadModel>().unwrap();
    let net = models::gpt2::small::GPT2LMHeadModel::new(&mut Seed::new(1)).unwrap();
    assert_plan_gives(&plan, &net.state_dict(), 1);
    let plan = Plan::of::<models::vit::VisionTransformer>().unwrap();
    let net = models::vit::VisionTransformer::new(&mut Seed::new(2)).unwrap();
    assert_plan_gives(&plan, &net.state_dict(), 2);
    let plan = Plan::of::<models::dcgan::DCGAN>().unwrap();
    let net = models::dcgan::DCGAN::new(&mut Seed::new(4)).unwrap();
    assert_plan_gives(&plan, &net.state_dict(), 4);
}

/// A hand-written module whose default writes its values itself, not through `Init`.
struct Scaler {
    w: Param,
}

impl Module for Scaler {
    fn kind(&self) -> LayerKind {
        LayerKind::Custom("Scaler")
    }
    fn visit<'a>(&'a self, v: &mut dyn init::Visitor<'a>) {
        v.param("w", &self.w);
    }
    fn visit_mut<'a>(&'a mut self, v: &mut dyn init::VisitorMut<'a>) {
        v.param("w", init::ParamSlot::from(&mut self.w));
    }
    fn init_defaults(
        &mut self,
        _prefix: &str,
        ruled: &dyn Fn(&str) -> bool,
        _rng: &mut dyn Generator,
    ) -> Result<(), InitError> {
        if !ruled("w") {
            self.w.as_slice_mut().fill(2.0);
        }
        Ok(())
    }
}

#[test]
fn a_parameter_written_outside_init_is_an_error_naming_it() {
    let mut m = Scaler { w: Param::zeros(&[3]) };
    let err = Plan::from_module(&mut m).unwrap_err();
    assert_eq!(
        err.to_string(),
        "w: no fill was planned for this parameter: its module writes it other than through \
         Init, so a plan cannot say what its values are"
    );
}

#[test]
fn push_refuses_bad_entries_naming_the_key() {
    let mut plan = Plan::new();
    plan.push("w", &[4, 2], Init::Ones).unwrap();
    let msg = |r: Result<&mut Plan, InitError>| r.unwrap_err().to_string();
    let mut p = plan.clone();
    assert_eq!(msg(p.push("w", &[1], Init::Zeros)), "w: the state dict already holds this key");
    assert_eq!(
        msg(p.push("huge", &[1 << 40, 1 << 40], Init::Zeros)),
        "huge: shape [1099511627776, 1099511627776] has more elements than can be addressed"
    );
    assert_eq!(msg(p.push("", &[1], Init::Zeros)), "a plan entry needs a non-empty key");
    assert_eq!(
        msg(p.push(
            "b",
            &[3],
            Init::KaimingNormal {
                a: 0.0,
                mode: FanMode::FanIn,
                nonlinearity: Nonlinearity::Relu,
                axes: FanAxes::TORCH,
            }
        )),
        "b: kaiming_normal cannot compute fan_in and fan_out for a tensor with fewer than 2 dimensions, got shape [3]"
    );
    // A scheme that needs the whole tensor is checked without it.
    assert_eq!(
        msg(p.push("e", &[3, 3, 3], Init::Eye)),
        "e: eye needs a tensor with exactly 2 dimensions, got shape [3, 3, 3]"
    );
    let vals = Values::new(vec![3], vec![1.0, 2.0, 3.0]).unwrap();
    assert_eq!(
        msg(p.push("v", &[4, 2], Init::Values(vals))),
        "v: values of shape [3] cannot be broadcast to the parameter's shape [4, 2]"
    );
    assert_eq!(msg(p.zero_row("w", 4)), "w: row 4 is out of range for shape [4, 2]");
    assert_eq!(msg(p.zero_row("v", 0)), "v: no such entry in the plan");
    assert_eq!(msg(p.tie("t", "v")), "t: cannot tie to v: no such entry");
    p.tie("t", "w").unwrap();
    assert_eq!(msg(p.tie("u", "t")), "u: cannot tie to t, itself tied");
    assert_eq!(msg(p.zero_row("t", 0)), "t: only an entry filled by a scheme has rows to zero");
    // Nothing refused was added.
    let keys: Vec<&str> = p.entries().iter().map(|e| e.key()).collect();
    assert_eq!(keys, ["w", "t"]);
}

#[test]
fn runtime_rules_plan_what_rules_init_weights_gives() {
    let rules = Rules::new()
        .kind(LayerKind::Conv1d, "weight", Init::Normal { mean: 0.0, std: 0.02 })
        .glob("gn.*", Init::Uniform { a: -0.1, b: 0.1 })
        .module("lstm", "weight_hh_l1", Init::Orthogonal { gain: 1.0 });
    let mut zeroed = <EveryKind as Zeroed>::zeroed();
    let plan = Plan::from_module_with_rules(&mut zeroed, &rules).unwrap();
    assert_eq!(
        plan.get("gn.bias").unwrap().source(),
        &Source::Init { init: Init::Uniform { a: -0.1, b: 0.1 }, zero_rows: vec![] }
    );
    let mut net = <EveryKind as Zeroed>::zeroed();
    rules.init_weights(&mut net, &mut Seed::new(6)).unwrap();
    assert_plan_gives(&plan, &net.state_dict(), 6);
}
