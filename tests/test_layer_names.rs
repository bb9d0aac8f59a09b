//! Names kept in more than one place agree: every `LayerKind` has its layer in the prelude,
//! and each layer's compile-time table (what `#[derive(Module)]` checks attributes against,
//! recurrent names included) lists exactly the parameters the built layer has. The derive's
//! own lists are pinned to the runtime's in `init-derive` (`names.rs`, `kinds.rs`).

use init::__private::LayerSpec;
use init::prelude::*;

/// The layer's kind and its table against the layer itself; every layer states its feature
/// counts (`Features`, what `#[module(sequential)]` chains check).
fn check<T: LayerSpec + Module + Zeroed + init::Features>(kind: LayerKind) {
    check_built(T::zeroed(), kind);
}

/// [`check`] on a built layer: for the layers whose parameters are opt-in (InstanceNorm's
/// `with_affine`), the table lists the parameters they can have.
fn check_built<T: LayerSpec + Module + init::Features>(layer: T, kind: LayerKind) {
    assert_eq!(layer.kind(), kind);
    assert_eq!(T::KIND, kind);
    assert_eq!(T::CONFIG.message(), None, "{kind}");
    let table: Vec<(String, Vec<usize>)> = (0..T::PARAMS.len())
        .filter_map(|i| T::PARAMS.get(i))
        .map(|p| (p.name().to_owned(), p.shape().to_vec()))
        .collect();
    // Its own parameters, not its children's (`out_proj.weight`).
    let own: Vec<(String, Vec<usize>)> = layer
        .named_parameters()
        .into_iter()
        .filter(|(name, _)| !name.contains('.'))
        .map(|(name, p)| (name, p.shape().to_vec()))
        .collect();
    assert_eq!(table, own, "{kind}");
}

#[test]
fn every_kind_has_its_layer_in_the_prelude_and_a_true_table() {
    use LayerKind as K;
    for kind in LayerKind::ALL {
        match kind {
            K::Linear => check::<Linear<3, 4>>(kind),
            K::Bilinear => check::<Bilinear<2, 3, 4>>(kind),
            K::Conv1d => check::<Conv1d<2, 4, 3>>(kind),
            K::Conv2d => {
                check::<Conv2d<2, 4, 3, 1, 0, 1, 2>>(kind);
                check::<Conv2d<2, 4, 1, 1, 0, 1, 1, true, 7>>(kind);
            }
            K::Conv3d => {
                check::<Conv3d<2, 4, 3, 1, 0, 1, 1, false>>(kind);
                check::<Conv3d<2, 4, 3, 1, 0, 1, 1, true, 1, 2>>(kind);
            }
            K::ConvTranspose1d => check::<ConvTranspose1d<2, 4, 3, 2, 1, 1, 1, 2>>(kind),
            K::ConvTranspose2d => {
                check::<ConvTranspose2d<2, 4, 3>>(kind);
                check::<ConvTranspose2d<2, 4, 3, 1, 0, 0, 1, 2, false, 5>>(kind);
            }
            K::ConvTranspose3d => {
                check::<ConvTranspose3d<2, 4, 3, 1, 0, 0, 1, 1, true, 2, 1>>(kind)
            }
            K::Conv1D => check::<Conv1D<4, 3>>(kind),
            K::BatchNorm1d => check::<BatchNorm1d<4>>(kind),
            K::BatchNorm2d => check::<BatchNorm2d<4>>(kind),
            K::BatchNorm3d => check::<BatchNorm3d<4>>(kind),
            K::InstanceNorm1d => check_built(InstanceNorm1d::<4>::new().with_affine(), kind),
            K::InstanceNorm2d => check_built(InstanceNorm2d::<4>::new().with_affine(), kind),
            K::LayerNorm => check::<LayerNorm<4, 5>>(kind),
            K::RMSNorm => check::<RMSNorm<4, 5>>(kind),
            K::GroupNorm => check::<GroupNorm<2, 4>>(kind),
            K::Embedding => check::<Embedding<10, 4>>(kind),
            K::LSTM => check::<LSTM<4, 8, 3, true>>(kind),
            K::GRU => check::<GRU<4, 8, 2, true, false>>(kind),
            K::MultiheadAttention => {
                check::<MultiheadAttention<8, 2>>(kind);
                check::<MultiheadAttention<8, 2, 4, 6, false>>(kind);
            }
            K::TransformerEncoderLayer => {
                check::<TransformerEncoderLayer<8, 2>>(kind);
                check::<TransformerEncoderLayer<8, 2, 16, false>>(kind);
            }
            K::TransformerDecoderLayer => {
                check::<TransformerDecoderLayer<8, 2>>(kind);
                check::<TransformerDecoderLayer<8, 2, 16, false>>(kind);
            }
            K::MaxPool1d => check::<MaxPool1d<2>>(kind),
            K::MaxPool2d => check::<MaxPool2d<2>>(kind),
            K::MaxPool3d => check::<MaxPool3d<1, 1, 0, 1, 3, 2, 1>>(kind),
            K::AvgPool1d => check::<AvgPool1d<2>>(kind),
            K::AvgPool2d => check::<AvgPool2d<2>>(kind),
            K::AvgPool3d => check::<AvgPool3d<2>>(kind),
            K::AdaptiveAvgPool1d => check::<AdaptiveAvgPool1d<2>>(kind),
            K::AdaptiveAvgPool2d => check::<AdaptiveAvgPool2d<2, 2>>(kind),
            K::Upsample => check::<Upsample>(kind),
            K::Flatten => check::<Flatten>(kind),
            K::Dropout => check::<Dropout>(kind),
            K::Identity => check::<Identity>(kind),
            K::ReLU => check::<ReLU>(kind),
            K::LeakyReLU => check::<LeakyReLU>(kind),
            K::PReLU => check::<PReLU<3>>(kind),
            K::GELU => check::<GELU>(kind),
            K::SiLU => check::<SiLU>(kind),
            K::Tanh => check::<Tanh>(kind),
            K::Sigmoid => check::<Sigmoid>(kind),
            K::Sequential => {
                assert_eq!(Sequential::new().kind(), kind);
                assert_eq!(<Sequential as init::Features>::OUT, init::Width::Any);
            }
            K::Softmax => check::<Softmax>(kind),
            K::LogSoftmax => check::<LogSoftmax>(kind),
            K::ModuleList => assert_eq!(ModuleList::<Linear<2, 2>>::new().kind(), kind),
            other => panic!("no layer of kind {other} in this test: add one"),
        }
    }
}
