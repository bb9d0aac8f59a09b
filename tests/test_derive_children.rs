//! `#[module(present = ..)]`, `#[module(len = ..)]` and `#[module(filled_later)]`: what
//! `new()` builds, under PyTorch's names.

use init::prelude::*;

/// torchvision's `downsample` (a `Sequential` of conv and norm): keys `downsample.0.*`,
/// `downsample.1.*`.
#[derive(Module)]
struct Downsample<const IN: usize, const OUT: usize, const STRIDE: usize>(
    Conv2d<IN, OUT, 1, STRIDE, 0, 1, 1, false>,
    BatchNorm2d<OUT>,
);

/// torchvision's `BasicBlock`: `downsample` when the stride or the channels change.
#[derive(Module)]
struct BasicBlock<const IN: usize, const OUT: usize, const STRIDE: usize> {
    conv1: Conv2d<IN, OUT, 3, STRIDE, 1, 1, 1, false>,
    #[module(present = STRIDE != 1 || IN != OUT)]
    downsample: Option<Downsample<IN, OUT, STRIDE>>,
}

const N_LAYER: usize = 3;

#[derive(Module)]
struct Gpt<const D: usize> {
    #[module(len = N_LAYER)]
    h: Vec<Linear<D, D>>,
    #[module(len = D / 2)]
    heads: ModuleList<Linear<D, 1>>,
    arr: [LayerNorm<D>; 2],
}

fn names(m: &dyn Module) -> Vec<String> {
    m.named_parameters().into_iter().map(|(n, _)| n).collect()
}

#[test]
fn present_builds_the_option_exactly_when_the_condition_holds() {
    let same = BasicBlock::<4, 4, 1>::new(&mut Seed::new(0)).unwrap();
    assert!(same.downsample.is_none());
    assert_eq!(names(&same), ["conv1.weight"]);
    let strided = BasicBlock::<4, 4, 2>::new(&mut Seed::new(0)).unwrap();
    let wider = BasicBlock::<4, 8, 1>::new(&mut Seed::new(0)).unwrap();
    for block in [&strided as &dyn Module, &wider] {
        assert_eq!(
            names(block),
            ["conv1.weight", "downsample.0.weight", "downsample.1.weight", "downsample.1.bias"]
        );
    }
    // Built and initialized by new(): BatchNorm's PyTorch default, conv weight drawn.
    let d = wider.downsample.as_ref().unwrap();
    assert!(d.1.weight().unwrap().as_slice().iter().all(|&w| w == 1.0));
    assert!(d.0.weight().unwrap().as_slice().iter().any(|&w| w != 0.0));
    assert_eq!(d.0.weight().unwrap().origin(), Some("default: Conv2d"));
}

#[test]
fn len_builds_lists_named_like_pytorch() {
    let g = Gpt::<4>::new(&mut Seed::new(1)).unwrap();
    assert_eq!(g.h.len(), 3);
    assert_eq!(g.heads.len(), 2);
    assert_eq!(
        names(&g),
        [
            "h.0.weight",
            "h.0.bias",
            "h.1.weight",
            "h.1.bias",
            "h.2.weight",
            "h.2.bias",
            "heads.0.weight",
            "heads.0.bias",
            "heads.1.weight",
            "heads.1.bias",
            "arr.0.weight",
            "arr.0.bias",
            "arr.1.weight",
            "arr.1.bias",
        ]
    );
    // Each block has its own stream: same shapes, different values.
    assert_ne!(g.h[0].weight().unwrap().as_slice(), g.h[1].weight().unwrap().as_slice());
}

#[derive(Module)]
struct Later {
    #[module(filled_later)]
    features: Sequential,
    #[module(filled_later)]
    extra: Option<Linear<2, 2>>,
    #[module(filled_later)]
    blocks: Vec<Linear<2, 2>>,
    fc: Linear<2, 2>,
}

#[test]
fn filled_later_starts_empty_and_is_initialized_once_filled() {
    let mut net = Later::zeroed();
    assert!(net.features.is_empty() && net.extra.is_none() && net.blocks.is_empty());
    net.features = Sequential::new().push(Linear::<2, 2>::zeroed());
    net.blocks.push(Linear::zeroed());
    net.init_weights(&mut Seed::new(0)).unwrap();
    assert_eq!(
        names(&net),
        [
            "features.0.weight",
            "features.0.bias",
            "blocks.0.weight",
            "blocks.0.bias",
            "fc.weight",
            "fc.bias"
        ]
    );
    let w = net.get_parameter("features.0.weight").unwrap();
    assert!(w.as_slice().iter().any(|&v| v != 0.0));
}
