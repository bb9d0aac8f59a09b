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
