//! The behaviour checks for `#[derive(Module)]`: the thread's `Net` with `values`, a
//! ResNet-like struct with torchvision's init in one struct rule, reproducibility.

use init::ndarray::{ArrayD, ArrayViewD};
use init::prelude::*;

const KERNEL: [[f32; 3]; 3] = [[0., 0., 0.], [1., 1., 1.], [2., 2., 2.]];

#[derive(Module)]
struct Net {
    #[init(values = [[0, 0, 0], [1, 1, 1], [2, 2, 2]])]
    conv1: Conv2d<1, 3, 3>,
    pool: MaxPool2d<2, 2>,
    #[init(kaiming_normal(nonlinearity = "relu"))]
    fc: Linear<3, 10>,
}

impl Forward for Net {
    fn forward(&self, x: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>, InitError> {
        let x = ReLU.forward(self.conv1.forward(x)?.view())?;
        let x = Flatten::default().forward(self.pool.forward(x.view())?.view())?;
        self.fc.forward(x.view())
    }
}

#[test]
fn the_threads_net_gets_the_kernel_everywhere_and_keeps_defaults_elsewhere() {
    let net = Net::new(&mut Seed::new(0)).unwrap();
    let w = net.conv1.weight().unwrap();
    assert_eq!(w.shape(), &[3, 1, 3, 3]);
    for o in 0..3 {
        for (r, row) in KERNEL.iter().enumerate() {
            for (c, &k) in row.iter().enumerate() {
                assert_eq!(w.view()[[o, 0, r, c]], k);
            }
        }
    }
    assert!(w.requires_grad());
    // conv1.bias keeps Conv2d's default: U(-1/sqrt(9), 1/sqrt(9)), not zero.
    let b = net.conv1.bias().unwrap();
    assert!(
        b.as_slice().iter().all(|v| v.abs() <= 1.0 / 3.0) && b.as_slice().iter().any(|&v| v != 0.0)
    );
    assert_eq!(b.origin(), Some("default: Conv2d"));
    assert!(net.parameters().iter().all(|p| p.requires_grad()));
}

#[test]
fn the_threads_net_forward_equals_a_hand_computation() {
    let net = Net::new(&mut Seed::new(3)).unwrap();
    // Two 4x4 images with known pixels.
    let x =
        ArrayD::from_shape_fn(vec![2, 1, 4, 4], |i| (i[2] * 4 + i[3]) as f32 * 0.1 - i[0] as f32);
    let y = net.forward(x.view()).unwrap();
    let cb = net.conv1.bias().unwrap().as_slice().to_vec();
    let fw = net.fc.weight().unwrap().view().to_owned();
    let fb = net.fc.bias().unwrap().as_slice().to_vec();
    for n in 0..2 {
        // By hand: 3x3 valid convolution with the kernel, + bias, ReLU, 2x2 max pool over
        // the 2x2 map (one value per channel), then fc.
        let mut pooled = [0f32; 3];
        for (o, p) in pooled.iter_mut().enumerate() {
            let mut best = f32::NEG_INFINITY;
            for (oy, ox) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                let mut acc = cb[o];
                for (r, row) in KERNEL.iter().enumerate() {
                    for (c, &k) in row.iter().enumerate() {
                        acc += k * x[[n, 0, oy + r, ox + c]];
                    }
                }
                best = best.max(acc.max(0.0));
            }
            *p = best;
        }
        for j in 0..10 {
            let expected = fb[j] + (0..3).map(|i| fw[[j, i]] * pooled[i]).sum::<f32>();
            assert!((y[[n, j]] - expected).abs() <= 1e-5 * expected.abs().max(1.0), "{n},{j}");
        }
    }
}

/// A ResNet-like block stack with torchvision's init in one struct attribute.
#[derive(Module)]
#[init(Conv2d = kaiming_normal(mode = "fan_out", nonlinearity = "relu"), BatchNorm2d(weight = ones, bias = zeros))]
struct ResNetLike {
    stem: Conv2d<3, 64, 7, 2, 3, 1, 1, false>,
    bn: BatchNorm2d<64>,
    blocks: [Block; 2],
}

#[derive(Module)]
struct Block {
    conv1: Conv2d<64, 64, 3, 1, 1, 1, 1, false>,
    bn1: BatchNorm2d<64>,
    conv2: Conv2d<64, 64, 3, 1, 1, 1, 1, false>,
    bn2: BatchNorm2d<64>,
}

#[test]
fn one_struct_rule_initializes_every_conv_and_batchnorm_of_the_tree() {
    let mut net = ResNetLike::new(&mut Seed::new(5)).unwrap();
    let mut convs = 0;
    net.try_apply(&mut |m| {
        let path = m.path().to_string();
        match m.kind() {
            LayerKind::Conv2d => {
                let w = m.weight().unwrap();
                let s = w.shape();
                let fan_out = (s[0] * s[2] * s[3]) as f64;
                let expected = (2.0 / fan_out).sqrt();
                let n = w.numel() as f64;
                let std =
                    (w.as_slice().iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / n).sqrt();
                // Within 3% (n >= 9408 values: the sampling error of a std is ~1/sqrt(2n) < 0.8%).
                assert!((std / expected - 1.0).abs() < 0.03, "{path}: std {std} vs {expected}");
                assert!(
                    w.origin().unwrap().ends_with("#[init(Conv2d = ...)] on ResNetLike"),
                    "{path}"
                );
                convs += 1;
            }
            LayerKind::BatchNorm2d => {
                assert!(m.weight().unwrap().as_slice().iter().all(|&v| v == 1.0), "{path}");
                assert!(m.bias().unwrap().as_slice().iter().all(|&v| v == 0.0), "{path}");
            }
            _ => {}
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(convs, 5);
}

#[test]
fn two_builds_with_one_seed_are_bit_identical_and_another_seed_differs() {
    let bits = |net: &ResNetLike| -> Vec<u32> {
        net.parameters().iter().flat_map(|p| p.as_slice().iter().map(|v| v.to_bits())).collect()
    };
    let a = ResNetLike::new(&mut Seed::new(9)).unwrap();
    let b = ResNetLike::new(&mut Seed::new(9)).unwrap();
    let c = ResNetLike::new(&mut Seed::new(10)).unwrap();
    assert_eq!(bits(&a), bits(&b));
    assert_ne!(bits(&a), bits(&c));
}
