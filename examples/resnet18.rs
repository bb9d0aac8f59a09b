//! torchvision's `resnet18(zero_init_residual=True)`, declared: every child, the optional
//! `downsample` shortcut included, is built by `new()`/`zeroed()`; no `impl Module` by hand.
//!
//! torchvision's init is declared as rules: its `for m in self.modules()` loop is the struct
//! rule on `ResNet` (conv `kaiming_normal_(mode="fan_out", nonlinearity="relu")`, BatchNorm
//! 1 / 0), its `zero_init_residual` loop is the `#[init(weight = zeros)]` on `bn2`; `fc` keeps
//! its default. `init_weights_torch(rng, TorchLoop::Modules)` replays the program, so with
//! `TorchGenerator::new(s)` every value equals torchvision's after `torch.manual_seed(s)`
//! (`tests/test_real_models.rs` checks it bit for bit, and the forward pass).
//!
//! Run: `cargo run --example resnet18` (11.7M values: 2.4 s in a debug build, 0.5 s with
//! `--release`).
#![allow(missing_docs)] // `pub` for tests/models/, which check these very declarations

use init::ndarray::{ArrayD, ArrayViewD};
use init::prelude::*;

#[derive(Module)]
#[init(
    Conv2d = kaiming_normal(mode = "fan_out", nonlinearity = "relu"),
    BatchNorm2d(weight = ones, bias = zeros)
)]
pub struct ResNet {
    pub conv1: Conv2d<3, 64, 7, 2, 3, 1, 1, false>,
    pub bn1: BatchNorm2d<64>,
    pub relu: ReLU,
    pub maxpool: MaxPool2d<3, 2, 1>,
    pub layer1: Stage<64, 64, 1>,
    pub layer2: Stage<64, 128, 2>,
    pub layer3: Stage<128, 256, 2>,
    pub layer4: Stage<256, 512, 2>,
    pub avgpool: AdaptiveAvgPool2d<1, 1>,
    pub fc: Linear<512, 1000>,
}

/// A stage of torchvision's `_make_layer`: the first block changes the shape, the second keeps
/// it (`layer2.0`, `layer2.1`).
#[derive(Module)]
#[module(sequential)]
pub struct Stage<const IN: usize, const OUT: usize, const STRIDE: usize>(
    pub BasicBlock<IN, OUT, STRIDE>,
    pub BasicBlock<OUT, OUT, 1>,
);

#[derive(Module)]
pub struct BasicBlock<const IN: usize, const OUT: usize, const STRIDE: usize> {
    pub conv1: Conv2d<IN, OUT, 3, STRIDE, 1, 1, 1, false>,
    pub bn1: BatchNorm2d<OUT>,
    pub relu: ReLU,
    pub conv2: Conv2d<OUT, OUT, 3, 1, 1, 1, 1, false>,
    #[init(weight = zeros)] // zero_init_residual=True
    pub bn2: BatchNorm2d<OUT>,
    #[module(present = STRIDE != 1 || IN != OUT)]
    pub downsample: Option<Downsample<IN, OUT, STRIDE>>,
}

/// The 1x1 conv + BatchNorm shortcut (`downsample.0`, `downsample.1`).
#[derive(Module)]
#[module(sequential)]
pub struct Downsample<const IN: usize, const OUT: usize, const STRIDE: usize>(
    pub Conv2d<IN, OUT, 1, STRIDE, 0, 1, 1, false>,
    pub BatchNorm2d<OUT>,
);

/// `resnet18(zero_init_residual=True)`, every parameter zero.
pub fn resnet18() -> ResNet {
    ResNet::zeroed()
}

/// The block's feature counts, so that stages chain.
impl<const IN: usize, const OUT: usize, const STRIDE: usize> init::Features
    for BasicBlock<IN, OUT, STRIDE>
{
    const IN: init::Width = init::Width::Exactly(IN);
    const OUT: init::Width = init::Width::Exactly(OUT);
}

impl<const IN: usize, const OUT: usize, const STRIDE: usize> Forward
    for BasicBlock<IN, OUT, STRIDE>
{
    fn forward(&self, x: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>, InitError> {
        let out =
            self.relu.forward(self.bn1.forward(self.conv1.forward(x.view())?.view())?.view())?;
        let out = self.bn2.forward(self.conv2.forward(out.view())?.view())?;
        let identity = match &self.downsample {
            Some(d) => d.forward(x)?,
            None => x.to_owned(),
        };
        self.relu.forward((out + identity).view())
    }
}

impl Forward for ResNet {
    fn forward(&self, x: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>, InitError> {
        let x = self.relu.forward(self.bn1.forward(self.conv1.forward(x)?.view())?.view())?;
        let mut x = self.maxpool.forward(x.view())?;
        x = self.layer1.forward(x.view())?;
        x = self.layer2.forward(x.view())?;
        x = self.layer3.forward(x.view())?;
        x = self.layer4.forward(x.view())?;
        let x = Flatten::default().forward(self.avgpool.forward(x.view())?.view())?;
        self.fc.forward(x.view())
    }
}

fn main() -> Result<(), InitError> {
    // torch.manual_seed(0); model = resnet18(zero_init_residual=True)
    let mut net = resnet18();
    net.init_weights_torch(&mut TorchGenerator::new(0), TorchLoop::Modules)?;
    print!("{}", Summary::of(&net));
    let y = net.forward(ArrayD::from_elem(vec![1, 3, 64, 64], 0.5).view())?;
    println!("forward: [1, 3, 64, 64] -> {:?}", y.shape());
    Ok(())
}
