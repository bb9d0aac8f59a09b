//! `#[layer(...)]`: a layer's settings declared on its field, with PyTorch's keyword names,
//! applied by `zeroed()` and `new()`.

use init::prelude::*;

const EPS: f64 = 1e-6;

#[derive(Module)]
struct Gpt {
    #[layer(padding_idx = 0)]
    wte: Embedding<16, 8>,
    #[layer(eps = EPS)]
    ln_f: LayerNorm<8>,
    #[layer(eps = 1e-5, elementwise_affine = false)]
    ln_plain: LayerNorm<8>,
    #[layer(momentum = 0.01, eps = 1e-3)]
    bn: BatchNorm1d<8>,
    #[layer(momentum = None)]
    bn_cumulative: BatchNorm2d<8>,
    #[layer(affine = false)]
    gn: GroupNorm<2, 8>,
    #[layer(p = 0.1)]
    drop: Dropout,
    #[layer(negative_slope = 0.2)]
    act: LeakyReLU,
    #[layer(approximate = "tanh")]
    gelu: GELU,
    #[layer(batch_first = true)]
    attn: MultiheadAttention<8, 2>,
    #[layer(batch_first = true)]
    lstm: LSTM<8, 4>,
    #[layer(batch_first = true)]
    gru: GRU<8, 4>,
}

#[test]
fn settings_are_applied_by_new_and_zeroed() -> Result<(), InitError> {
    for net in [Gpt::new(&mut Seed::new(0))?, <Gpt as Zeroed>::zeroed()] {
        assert_eq!(net.wte.padding_idx(), Some(0));
        assert_eq!(net.ln_f.eps(), 1e-6);
        assert!(net.ln_plain.named_parameters().is_empty());
        assert_eq!((net.bn.eps(), net.bn.momentum()), (1e-3, Some(0.01)));
        assert_eq!(net.bn_cumulative.momentum(), None);
        assert!(net.gn.named_parameters().is_empty());
        assert_eq!(net.drop.p(), 0.1);
        assert_eq!(net.act.negative_slope(), 0.2);
        assert_eq!(net.gelu.approximate(), init::GeluApproximate::Tanh);
        assert!(net.attn.is_batch_first());
        assert!(net.lstm.is_batch_first() && net.gru.is_batch_first());
    }
    Ok(())
}

#[test]
fn the_padding_row_is_zero_after_new() -> Result<(), InitError> {
    let net = Gpt::new(&mut Seed::new(0))?;
    let w = net.wte.weight().unwrap();
    assert!(w.as_slice()[..8].iter().all(|&v| v == 0.0));
    assert!(w.as_slice()[8..16].iter().any(|&v| v != 0.0));
    let names: Vec<String> = net.state_dict().keys().map(str::to_owned).collect();
    assert!(!names.iter().any(|n| n.starts_with("ln_plain") || n.starts_with("gn")), "{names:?}");
    Ok(())
}

#[derive(Module)]
struct Block<const DIM: usize> {
    #[layer(eps = 1.0 / (DIM as f64 * 1e6))]
    norm: LayerNorm<DIM>,
}

#[test]
fn a_generic_struct_computes_its_settings_from_its_parameters() -> Result<(), InitError> {
    let b = Block::<4>::new(&mut Seed::new(0))?;
    assert_eq!(b.norm.eps(), 1.0 / 4e6);
    Ok(())
}

/// The channel norms' `affine` and `track_running_stats` (PyTorch's defaults differ between
/// BatchNorm and InstanceNorm) and the transformer layers' keywords.
#[derive(Module)]
struct Norms {
    #[layer(affine = false, track_running_stats = false)]
    bn: BatchNorm2d<4>,
    #[layer(affine = false)]
    bn3: BatchNorm3d<4>,
    #[layer(affine = true, track_running_stats = true, momentum = 0.3)]
    inorm: InstanceNorm2d<3>,
    plain: InstanceNorm1d<3>,
    #[layer(
        dropout = 0.0,
        activation = "gelu",
        layer_norm_eps = 1e-6,
        batch_first = true,
        norm_first = true
    )]
    enc: TransformerEncoderLayer<8, 2, 16>,
    #[layer(batch_first = true)]
    dec: TransformerDecoderLayer<8, 2, 16>,
}

#[test]
fn channel_norm_and_transformer_settings_are_applied() -> Result<(), InitError> {
    for net in [Norms::new(&mut Seed::new(0))?, <Norms as Zeroed>::zeroed()] {
        assert!(net.bn.named_parameters().is_empty() && net.bn.named_buffers().is_empty());
        let bn3: Vec<String> = net.bn3.named_buffers().into_iter().map(|(n, _)| n).collect();
        assert!(net.bn3.named_parameters().is_empty());
        assert_eq!(bn3, ["running_mean", "running_var", "num_batches_tracked"]);
        let inorm: Vec<String> = net.inorm.state_dict().keys().map(str::to_owned).collect();
        assert_eq!(inorm, ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]);
        assert_eq!(net.inorm.momentum(), Some(0.3));
        assert!(net.plain.state_dict().is_empty());
        assert_eq!((net.enc.dropout_p(), net.enc.activation_name()), (0.0, "gelu"));
        assert!(net.enc.is_batch_first() && net.enc.is_norm_first());
        assert!(net.dec.is_batch_first() && !net.dec.is_norm_first());
    }
    // The affine InstanceNorm is initialized by new(): weight ones, bias zeros.
    let net = Norms::new(&mut Seed::new(0))?;
    assert_eq!(net.inorm.weight().unwrap().as_slice(), &[1.0; 3]);
    Ok(())
}

const N_LAYER: usize = 3;

/// torchvision's `downsample`, built by `new()` when the block changes resolution.
#[derive(Module)]
struct Downsample<const IN: usize, const OUT: usize>(
    Conv2d<IN, OUT, 1, 2, 0, 1, 1, false>,
    BatchNorm2d<OUT>,
);

#[derive(Module)]
struct ResBlock<const IN: usize, const OUT: usize> {
    #[module(present = IN != OUT)]
    #[layer(momentum = 0.01)]
    bn: Option<BatchNorm2d<OUT>>,
    #[module(present = IN != OUT)]
    down: Option<Downsample<IN, OUT>>,
}

/// `#[layer(...)]` on containers that `new()` builds: every element gets the settings.
#[derive(Module)]
struct Stack {
    #[module(len = N_LAYER)]
    #[layer(eps = 1e-6, elementwise_affine = false)]
    norms: Vec<LayerNorm<8>>,
    #[module(len = 2)]
    #[layer(p = 0.0)]
    drops: ModuleList<Dropout>,
    #[layer(negative_slope = 0.2)]
    acts: [LeakyReLU; 2],
    #[module(present = N_LAYER > 1)]
    #[layer(eps = 1e-3)]
    head_norm: Option<LayerNorm<8>>,
    #[module(present = N_LAYER > 5)]
    #[layer(eps = 1e-3)]
    absent: Option<LayerNorm<8>>,
    #[layer(p = 0.25)]
    boxed: Box<Dropout>,
    same: ResBlock<4, 4>,
    changes: ResBlock<4, 8>,
}

#[test]
fn container_settings_apply_to_every_element_built() -> Result<(), InitError> {
    for net in [Stack::new(&mut Seed::new(0))?, <Stack as Zeroed>::zeroed()] {
        assert_eq!(net.norms.len(), N_LAYER);
        for ln in &net.norms {
            assert_eq!(ln.eps(), 1e-6);
            assert!(ln.named_parameters().is_empty());
        }
        assert_eq!(net.drops.len(), 2);
        assert!(net.drops.iter().all(|d| d.p() == 0.0));
        assert!(net.acts.iter().all(|a| a.negative_slope() == 0.2));
        assert_eq!(net.head_norm.as_ref().map(LayerNorm::eps), Some(1e-3));
        assert!(net.absent.is_none());
        assert_eq!(net.boxed.p(), 0.25);
        assert!(net.same.bn.is_none() && net.same.down.is_none());
        assert_eq!(net.changes.bn.as_ref().and_then(BatchNorm2d::momentum), Some(0.01));
        assert!(net.changes.down.is_some());
    }
    // The layers that kept their affine parameters are initialized; the others have none.
    let net = Stack::new(&mut Seed::new(0))?;
    let names: Vec<String> = net.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert!(!names.iter().any(|n| n.starts_with("norms.")), "{names:?}");
    assert_eq!(net.head_norm.as_ref().unwrap().weight().unwrap().as_slice(), &[1.0; 8]);
    Ok(())
}

/// The same in a struct generic over the width, its settings computed from the parameters.
#[derive(Module)]
struct GenericStack<const D: usize, const N: usize> {
    #[module(len = N)]
    #[layer(eps = 1.0 / (D as f64 * 1e6))]
    norms: Vec<LayerNorm<D>>,
    #[layer(padding = "same", stride = (1, 1))]
    convs: [Conv2d<D, D, 2>; N],
}

#[test]
fn a_generic_container_computes_its_settings_from_its_parameters() -> Result<(), InitError> {
    let s = GenericStack::<4, 2>::new(&mut Seed::new(0))?;
    assert_eq!(s.norms.len(), 2);
    assert!(s.norms.iter().all(|ln| ln.eps() == 1.0 / 4e6));
    assert!(s.convs.iter().all(|c| c.padding() == Padding::Same));
    Ok(())
}
