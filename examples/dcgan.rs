//! The PyTorch DCGAN tutorial's generator and discriminator (nz = 100, ngf = 64, ndf = 64,
//! nc = 3), declared: each `nn.Sequential` is a `#[module(sequential)]` struct whose forward
//! the derive chains (a channel mismatch between two layers is a compile error), the
//! discriminator's LeakyReLUs take the tutorial's slope on their fields.
//!
//! The tutorial's `weights_init` (`Conv*` weight `normal_(0, 0.02)`, `BatchNorm` weight
//! `normal_(1, 0.02)` and bias 0), run by `netG.apply(weights_init)`, is the struct rule of
//! each; `init_weights_torch(rng, TorchLoop::Apply)` replays "construct, then apply", so with
//! `TorchGenerator::new(999)` (the tutorial's `manual_seed`) the values are the tutorial's
//! (`tests/test_real_models.rs` checks them bit for bit, and both forward passes).
//!
//! Run: `cargo run --example dcgan` (1.4 s in a debug build).
#![allow(missing_docs)] // `pub` for tests/models/, which check these very declarations

use init::ndarray::ArrayD;
use init::prelude::*;

const NZ: usize = 100;
const NGF: usize = 64;
const NDF: usize = 64;
const NC: usize = 3;

#[derive(Module)]
#[init(
    ConvTranspose2d = normal(0.0, 0.02),
    BatchNorm2d(weight = normal(1.0, 0.02), bias = zeros)
)]
#[module(sequential)]
pub struct Generator {
    pub main: GeneratorMain,
}

/// The generator's `nn.Sequential` (`main.0` .. `main.13`).
#[derive(Module)]
#[module(sequential)]
pub struct GeneratorMain(
    pub ConvTranspose2d<NZ, { NGF * 8 }, 4, 1, 0, 0, 1, 1, false>,
    pub BatchNorm2d<{ NGF * 8 }>,
    pub ReLU,
    pub ConvTranspose2d<{ NGF * 8 }, { NGF * 4 }, 4, 2, 1, 0, 1, 1, false>,
    pub BatchNorm2d<{ NGF * 4 }>,
    pub ReLU,
    pub ConvTranspose2d<{ NGF * 4 }, { NGF * 2 }, 4, 2, 1, 0, 1, 1, false>,
    pub BatchNorm2d<{ NGF * 2 }>,
    pub ReLU,
    pub ConvTranspose2d<{ NGF * 2 }, NGF, 4, 2, 1, 0, 1, 1, false>,
    pub BatchNorm2d<NGF>,
    pub ReLU,
    pub ConvTranspose2d<NGF, NC, 4, 2, 1, 0, 1, 1, false>,
    pub Tanh,
);

#[derive(Module)]
#[init(Conv2d = normal(0.0, 0.02), BatchNorm2d(weight = normal(1.0, 0.02), bias = zeros))]
#[module(sequential)]
pub struct Discriminator {
    pub main: DiscriminatorMain,
}

/// The discriminator's `nn.Sequential` (`main.0` .. `main.12`).
#[derive(Module)]
#[module(sequential)]
pub struct DiscriminatorMain(
    pub Conv2d<NC, NDF, 4, 2, 1, 1, 1, false>,
    #[layer(negative_slope = 0.2)] pub LeakyReLU,
    pub Conv2d<NDF, { NDF * 2 }, 4, 2, 1, 1, 1, false>,
    pub BatchNorm2d<{ NDF * 2 }>,
    #[layer(negative_slope = 0.2)] pub LeakyReLU,
    pub Conv2d<{ NDF * 2 }, { NDF * 4 }, 4, 2, 1, 1, 1, false>,
    pub BatchNorm2d<{ NDF * 4 }>,
    #[layer(negative_slope = 0.2)] pub LeakyReLU,
    pub Conv2d<{ NDF * 4 }, { NDF * 8 }, 4, 2, 1, 1, 1, false>,
    pub BatchNorm2d<{ NDF * 8 }>,
    #[layer(negative_slope = 0.2)] pub LeakyReLU,
    pub Conv2d<{ NDF * 8 }, 1, 4, 1, 0, 1, 1, false>,
    pub Sigmoid,
);

fn main() -> Result<(), InitError> {
    // manual_seed(999); netG = Generator(ngpu); netG.apply(weights_init); then netD likewise.
    let mut rng = TorchGenerator::new(999);
    let mut net_g = Generator::zeroed();
    net_g.init_weights_torch(&mut rng, TorchLoop::Apply)?;
    let mut net_d = Discriminator::zeroed();
    net_d.init_weights_torch(&mut rng, TorchLoop::Apply)?;
    print!("netG\n{}netD\n{}", Summary::of(&net_g), Summary::of(&net_d));

    let noise = ArrayD::from_elem(vec![1, NZ, 1, 1], 0.5);
    let fake = net_g.forward(noise.view())?;
    let verdict = net_d.forward(fake.view())?;
    let (n, f) = (noise.shape(), fake.shape());
    println!("noise {n:?} -> fake image {f:?} -> D(G(z)) = {:.4}", verdict.sum());
    Ok(())
}
