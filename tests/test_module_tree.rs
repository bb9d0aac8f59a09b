//! The module tree: names, orders and traversals against PyTorch's lists, for single layers
//! and for the structures of the forum thread, a ResNet basic block and an MLP.

mod common;

use common::{Fixture, Names, assert_close};
use init::ndarray::{ArrayD, ArrayViewD};
use init::{
    BatchNorm1d, BatchNorm2d, Conv2d, Dropout, Forward, Generator, InitError, LayerKind, Linear,
    MaxPool2d, Module, ReLU, Seed, Sequential, TorchGenerator, Visitor, VisitorMut,
};

fn torch(fx: &Fixture) -> TorchGenerator {
    TorchGenerator::new(fx.meta["seed"].parse().unwrap())
}

#[test]
fn linear_names_default_init_and_forward_match_pytorch() {
    let fx = Fixture::load("linear");
    let mut fc = Linear::<5, 4>::new(&mut torch(&fx)).unwrap();
    fx.assert_state_eq(&fc, "init");
    Names::load("linear").assert_match(&mut fc);
    fx.load_into(&mut fc, "param");
    assert_close(&fc.forward(fx.f32("input").view()).unwrap(), &fx.f32("output"), "linear");
}

#[test]
fn linear_without_bias_matches_pytorch() {
    let fx = Fixture::load("linear_nobias");
    let mut fc = Linear::<5, 4, false>::new(&mut torch(&fx)).unwrap();
    fx.assert_state_eq(&fc, "init");
    Names::load("linear_nobias").assert_match(&mut fc);
    fx.load_into(&mut fc, "param");
    assert_close(&fc.forward(fx.f32("input").view()).unwrap(), &fx.f32("output"), "linear_nobias");
}

/// The forum thread's `Net`: conv1 -> relu -> pool -> flatten -> fc.
struct Net {
    conv1: Conv2d<1, 3, 3>,
    pool: MaxPool2d<2, 2>,
    fc: Linear<3, 10>,
}

impl Module for Net {
    fn kind(&self) -> LayerKind {
        LayerKind::Custom("Net")
    }
    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        v.module("conv1", &self.conv1);
        v.module("pool", &self.pool);
        v.module("fc", &self.fc);
    }
    fn visit_mut<'a>(&'a mut self, v: &mut dyn VisitorMut<'a>) {
        v.module("conv1", &mut self.conv1);
        v.module("pool", &mut self.pool);
        v.module("fc", &mut self.fc);
    }
}

impl Forward for Net {
    fn forward(&self, x: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>, InitError> {
        let x = self.conv1.forward(x)?;
        let x = ReLU.forward(x.view())?;
        let x = self.pool.forward(x.view())?;
        let n = x.shape()[0];
        let x = x.into_shape_with_order(vec![n, 3]).unwrap();
        self.fc.forward(x.view())
    }
}

#[test]
fn forum_net_matches_pytorch() {
    let fx = Fixture::load("forum_net");
    let mut net = Net { conv1: Conv2d::zeroed(), pool: MaxPool2d::default(), fc: Linear::zeroed() };
    net.reset_parameters("", &mut torch(&fx)).unwrap();
    fx.assert_state_eq(&net, "init");
    Names::load("forum_net").assert_match(&mut net);
    fx.load_into(&mut net, "param");
    assert_close(&net.forward(fx.f32("input").view()).unwrap(), &fx.f32("output"), "forum_net");
}

/// torchvision's BasicBlock(4, 8, stride = 2) with its downsample branch.
struct BasicBlock {
    conv1: Conv2d<4, 8, 3, 2, 1, 1, 1, false>,
    bn1: BatchNorm2d<8>,
    relu: ReLU,
    conv2: Conv2d<8, 8, 3, 1, 1, 1, 1, false>,
    bn2: BatchNorm2d<8>,
    downsample: Sequential,
}

impl BasicBlock {
    fn zeroed() -> Self {
        BasicBlock {
            conv1: Conv2d::zeroed(),
            bn1: BatchNorm2d::zeroed(),
            relu: ReLU,
            conv2: Conv2d::zeroed(),
            bn2: BatchNorm2d::zeroed(),
            downsample: Sequential::new()
                .push(Conv2d::<4, 8, 1, 2, 0, 1, 1, false>::zeroed())
                .push(BatchNorm2d::<8>::zeroed()),
        }
    }
}

impl Module for BasicBlock {
    fn kind(&self) -> LayerKind {
        LayerKind::Custom("BasicBlock")
    }
    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        v.module("conv1", &self.conv1);
        v.module("bn1", &self.bn1);
        v.module("relu", &self.relu);
        v.module("conv2", &self.conv2);
        v.module("bn2", &self.bn2);
        v.module("downsample", &self.downsample);
    }
    fn visit_mut<'a>(&'a mut self, v: &mut dyn VisitorMut<'a>) {
        v.module("conv1", &mut self.conv1);
        v.module("bn1", &mut self.bn1);
        v.module("relu", &mut self.relu);
        v.module("conv2", &mut self.conv2);
        v.module("bn2", &mut self.bn2);
        v.module("downsample", &mut self.downsample);
    }
}

impl Forward for BasicBlock {
    fn forward(&self, x: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>, InitError> {
        let out =
            self.relu.forward(self.bn1.forward(self.conv1.forward(x.view())?.view())?.view())?;
        let out = self.bn2.forward(self.conv2.forward(out.view())?.view())?;
        let identity = self.downsample.forward(x)?;
        self.relu.forward((out + identity).view())
    }
}

#[test]
fn resnet_basic_block_matches_pytorch() {
    let fx = Fixture::load("resnet_block");
    let mut block = BasicBlock::zeroed();
    block.reset_parameters("", &mut torch(&fx)).unwrap();
    fx.assert_state_eq(&block, "init");
    Names::load("resnet_block").assert_match(&mut block);
    fx.load_into(&mut block, "param");
    assert_close(
        &block.forward(fx.f32("input").view()).unwrap(),
        &fx.f32("output"),
        "resnet_block",
    );
}

fn mlp() -> Sequential {
    Sequential::new()
        .push(Linear::<10, 16>::zeroed())
        .push(BatchNorm1d::<16>::zeroed())
        .push(ReLU)
        .push(Dropout::default())
        .push(Linear::<16, 3>::zeroed())
}

#[test]
fn mlp_with_batchnorm_and_dropout_matches_pytorch() {
    let fx = Fixture::load("mlp");
    let mut mlp = mlp();
    mlp.reset_parameters("", &mut torch(&fx)).unwrap();
    fx.assert_state_eq(&mlp, "init");
    Names::load("mlp").assert_match(&mut mlp);
    fx.load_into(&mut mlp, "param");
    assert_close(&mlp.forward(fx.f32("input").view()).unwrap(), &fx.f32("output"), "mlp");
}

#[test]
fn apply_is_post_order_and_sees_paths() {
    let mut block = BasicBlock::zeroed();
    let mut seen = Vec::new();
    block.apply(&mut |m| seen.push(format!("{}:{}", m.path(), m.kind())));
    assert_eq!(
        seen,
        [
            "conv1:Conv2d",
            "bn1:BatchNorm2d",
            "relu:ReLU",
            "conv2:Conv2d",
            "bn2:BatchNorm2d",
            "downsample.0:Conv2d",
            "downsample.1:BatchNorm2d",
            "downsample:Sequential",
            ":BasicBlock",
        ]
    );
}

#[test]
fn try_apply_stops_at_the_first_error_and_returns_it() {
    let mut block = BasicBlock::zeroed();
    let mut visited = 0;
    let err = block
        .try_apply(&mut |m| {
            visited += 1;
            let path = m.path();
            if path == "bn2" {
                Err(InitError::config("test", format!("stop at {path}")))
            } else {
                Ok(())
            }
        })
        .unwrap_err();
    assert_eq!(err.to_string(), "test: stop at bn2");
    assert_eq!(visited, 5);
}

#[test]
fn freeze_and_unfreeze_a_subtree() {
    let mut block = BasicBlock::zeroed();
    block.downsample.freeze();
    let frozen: Vec<String> = block
        .named_parameters()
        .into_iter()
        .filter(|(_, p)| !p.requires_grad())
        .map(|(n, _)| n)
        .collect();
    assert_eq!(frozen, ["downsample.0.weight", "downsample.1.weight", "downsample.1.bias"]);
    block.unfreeze();
    assert!(block.parameters().iter().all(|p| p.requires_grad()));
}

#[test]
fn counts_lookups_and_downcasts() {
    let mut block = BasicBlock::zeroed();
    // conv1 8*4*9, bn1 2*8, conv2 8*8*9, bn2 2*8, downsample conv 8*4, downsample bn 2*8.
    assert_eq!(block.num_parameters(), 288 + 16 + 576 + 16 + 32 + 16);
    assert_eq!(block.get_parameter("downsample.0.weight").unwrap().shape(), &[8, 4, 1, 1]);
    assert!(block.get_parameter("downsample.0.bias").is_none());
    let sub = block.get_submodule("downsample.1").unwrap();
    assert!(sub.downcast_ref::<BatchNorm2d<8>>().is_some());
    assert!(sub.downcast_ref::<BatchNorm1d<8>>().is_none());
    let mut w = block.get_parameter_mut("conv2.weight").unwrap();
    w.as_slice_mut()[0] = 7.0;
    assert_eq!(block.conv2.weight().unwrap().as_slice()[0], 7.0);
    assert_eq!(block.children().len(), 6);
    assert_eq!(block.modules().len(), 9);
}

#[test]
fn a_module_handle_cannot_change_a_shape() {
    let mut net = Net { conv1: Conv2d::zeroed(), pool: MaxPool2d::default(), fc: Linear::zeroed() };
    // The thread's bug: a 1-channel kernel where a 3-channel one belongs. Through the tree
    // only values can be copied, and the copy checks the shape.
    let one_channel = ArrayD::<f32>::zeros(vec![1, 1, 3, 3]);
    let mut w = net.get_parameter_mut("conv1.weight").unwrap();
    let err = w.copy_from(&one_channel.view()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "conv1.weight: shape mismatch: the parameter has shape [3, 1, 3, 3], the source has shape [1, 1, 3, 3]"
    );
    assert_eq!(net.conv1.weight().unwrap().shape(), &[3, 1, 3, 3]);
}

#[test]
fn seed_keys_each_parameter_by_its_path() {
    // Two identical layers at different paths get different values; the same path gets the
    // same values whatever else the tree holds.
    let mut a = Sequential::new().push(Linear::<8, 8>::zeroed()).push(Linear::<8, 8>::zeroed());
    a.reset_parameters("", &mut Seed::new(3)).unwrap();
    let p = a.named_parameters();
    assert_ne!(p[0].1.as_slice(), p[2].1.as_slice());
    let mut b = Sequential::new().push(Linear::<8, 8>::zeroed());
    b.reset_parameters("", &mut Seed::new(3)).unwrap();
    assert_eq!(b.named_parameters()[0].1.as_slice(), p[0].1.as_slice());
    let _: &mut dyn Generator = &mut Seed::new(0);
}

#[test]
fn linear_default_init_statistics_follow_pytorchs_formula() {
    // PyTorch: weight ~ U(-1/sqrt(IN), 1/sqrt(IN)) (kaiming_uniform with a = sqrt(5)), bias
    // ~ U(-1/sqrt(IN), 1/sqrt(IN)). IN = 256, OUT = 1024: 262,144 weights and 1,024 biases.
    let fc = Linear::<256, 1024>::new(&mut Seed::new(6)).unwrap();
    let bound = 1.0 / 16.0;
    let stats = |p: &init::Param| {
        let v = p.as_slice();
        let max = v.iter().fold(0f32, |m, x| m.max(x.abs()));
        let std = (v.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
        (max, std)
    };
    let (w_max, w_std) = stats(fc.weight().unwrap());
    let (b_max, _) = stats(fc.bias().unwrap());
    // Observed bounds within 1% of the formula (and never above it); std of U(-b, b) is b/sqrt(3).
    assert!(w_max <= bound && w_max >= 0.99 * bound, "{w_max}");
    assert!(b_max <= bound && b_max >= 0.99 * bound, "{b_max}");
    assert!((w_std / (f64::from(bound) / 3f64.sqrt()) - 1.0).abs() < 0.02, "{w_std}");
}
