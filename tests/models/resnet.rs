//! torchvision's `resnet18(zero_init_residual=True)`, with today's API: the blocks are derived
//! structs, `layer1`..`layer4` are `Sequential`s and `downsample` an `Option<Sequential>`,
//! filled by hand (the derive's `Vec`/`Option` children will replace that).
//!
//! torchvision's init is declared as rules: its `for m in self.modules()` loop is the struct
//! rule on `ResNet` (conv `kaiming_normal_(mode="fan_out", nonlinearity="relu")`, BatchNorm
//! 1 / 0), its `zero_init_residual` loop is the `#[init(weight = zeros)]` on `bn2`; `fc` keeps
//! its default. `init_weights_torch(rng, TorchLoop::Modules)` replays the program.

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
    pub layer1: Sequential,
    pub layer2: Sequential,
    pub layer3: Sequential,
    pub layer4: Sequential,
    pub avgpool: AdaptiveAvgPool2d<1, 1>,
    pub fc: Linear<512, 1000>,
}

#[derive(Module)]
pub struct BasicBlock<const IN: usize, const OUT: usize, const STRIDE: usize> {
    pub conv1: Conv2d<IN, OUT, 3, STRIDE, 1, 1, 1, false>,
    pub bn1: BatchNorm2d<OUT>,
    pub relu: ReLU,
    pub conv2: Conv2d<OUT, OUT, 3, 1, 1, 1, 1, false>,
    #[init(weight = zeros)] // zero_init_residual=True
    pub bn2: BatchNorm2d<OUT>,
    pub downsample: Option<Sequential>,
}

/// The first block of a stage: stride `STRIDE` and a 1x1 conv + BatchNorm shortcut when the
/// shape changes, as torchvision's `_make_layer`.
fn block<const IN: usize, const OUT: usize, const STRIDE: usize>() -> BasicBlock<IN, OUT, STRIDE> {
    let mut b = BasicBlock::<IN, OUT, STRIDE>::zeroed();
    if STRIDE != 1 || IN != OUT {
        b.downsample = Some(
            Sequential::new()
                .push(Conv2d::<IN, OUT, 1, STRIDE, 0, 1, 1, false>::zeroed())
                .push(BatchNorm2d::<OUT>::new()),
        );
    }
    b
}

fn stage<const IN: usize, const OUT: usize, const STRIDE: usize>() -> Sequential {
    Sequential::new().push(block::<IN, OUT, STRIDE>()).push(block::<OUT, OUT, 1>())
}

/// `resnet18(zero_init_residual=True)`, every parameter zero.
pub fn resnet18() -> ResNet {
    let mut net = ResNet::zeroed();
    net.layer1 = stage::<64, 64, 1>();
    net.layer2 = stage::<64, 128, 2>();
    net.layer3 = stage::<128, 256, 2>();
    net.layer4 = stage::<256, 512, 2>();
    net
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
        for layer in [&self.layer1, &self.layer2, &self.layer3, &self.layer4] {
            x = layer.forward(x.view())?;
        }
        let x = Flatten::default().forward(self.avgpool.forward(x.view())?.view())?;
        self.fc.forward(x.view())
    }
}
