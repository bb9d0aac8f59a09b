//! timm's `vit_tiny_patch16_224` (embed 192, depth 12, 3 heads, MLP 768, 1000 classes),
//! declared: `cls_token` and `pos_embed` are bare parameters with their shapes and timm's
//! init, the LayerNorms take timm's `eps = 1e-6` on their fields, the 12 blocks are built by
//! `new()`/`zeroed()`. No `impl Module` by hand.
//!
//! timm's `init_weights` (timm 1.0): `pos_embed` `trunc_normal_(std=.02)`, `cls_token`
//! `normal_(std=1e-6)`, then over every Linear `trunc_normal_(std=.02)` and bias zeros; the
//! patch embedding's conv and the LayerNorms keep their construction defaults. With `Seed`
//! the values follow these rules (`tests/test_real_models.rs` checks the statistics against
//! timm's). timm's program draw for draw (`TorchGenerator` with
//! `TruncNormalAlgorithm::InverseCdf`, timm's `trunc_normal_`) is `tests/models/vit_timm.rs`,
//! with the forward pass: every value is timm's except 1464 of 5.5 M truncated-normal draws,
//! 1 or 2 ulp off, where PyTorch's float `erfinv_` (MKL's) is not correctly rounded.
//!
//! Run: `cargo run --example vit_tiny` (under a second in a debug build).
#![allow(missing_docs)] // `pub` for tests/models/, which check these very declarations

use init::prelude::*;

pub const DIM: usize = 192;
pub const DEPTH: usize = 12;
pub const TOKENS: usize = 197; // 14 x 14 patches + the class token

#[derive(Module)]
#[init(Linear(weight = trunc_normal(std = 0.02), bias = zeros))]
pub struct VisionTransformer {
    #[param(shape = [1, 1, DIM])]
    #[init(normal(std = 1e-6))]
    pub cls_token: Param,
    #[param(shape = [1, TOKENS, DIM])]
    #[init(trunc_normal(std = 0.02))]
    pub pos_embed: Param,
    pub patch_embed: PatchEmbed,
    #[layer(p = 0.0)] // timm: drop_rate = proj_drop_rate = attn_drop_rate = 0
    pub pos_drop: Dropout,
    pub patch_drop: Identity,
    pub norm_pre: Identity,
    /// timm's `nn.Sequential` of blocks (here a list: its forward is a plain loop).
    #[module(len = DEPTH)]
    pub blocks: Vec<Block>,
    #[layer(eps = 1e-6)]
    pub norm: LayerNorm<DIM>,
    pub fc_norm: Identity,
    #[layer(p = 0.0)] // timm: drop_rate = proj_drop_rate = attn_drop_rate = 0
    pub head_drop: Dropout,
    pub head: Linear<DIM, 1000>,
}

#[derive(Module)]
pub struct PatchEmbed {
    pub proj: Conv2d<3, DIM, 16, 16>,
    pub norm: Identity,
}

#[derive(Module)]
pub struct Block {
    #[layer(eps = 1e-6)]
    pub norm1: LayerNorm<DIM>,
    pub attn: Attention,
    pub ls1: Identity,
    pub drop_path1: Identity,
    #[layer(eps = 1e-6)]
    pub norm2: LayerNorm<DIM>,
    pub mlp: Mlp,
    pub ls2: Identity,
    pub drop_path2: Identity,
}

#[derive(Module)]
pub struct Attention {
    pub qkv: Linear<DIM, { 3 * DIM }>,
    pub q_norm: Identity,
    pub k_norm: Identity,
    #[layer(p = 0.0)] // timm: drop_rate = proj_drop_rate = attn_drop_rate = 0
    pub attn_drop: Dropout,
    pub norm: Identity,
    pub proj: Linear<DIM, DIM>,
    #[layer(p = 0.0)] // timm: drop_rate = proj_drop_rate = attn_drop_rate = 0
    pub proj_drop: Dropout,
}

#[derive(Module)]
pub struct Mlp {
    pub fc1: Linear<DIM, { 4 * DIM }>,
    pub act: GELU,
    #[layer(p = 0.0)] // timm: drop_rate = proj_drop_rate = attn_drop_rate = 0
    pub drop1: Dropout,
    pub norm: Identity,
    pub fc2: Linear<{ 4 * DIM }, DIM>,
    #[layer(p = 0.0)] // timm: drop_rate = proj_drop_rate = attn_drop_rate = 0
    pub drop2: Dropout,
}

/// `vit_tiny_patch16_224`, every parameter zero.
pub fn vit_tiny_patch16_224() -> VisionTransformer {
    VisionTransformer::zeroed()
}

fn main() -> Result<(), InitError> {
    let vit = VisionTransformer::new(&mut Seed::new(0))?;
    print!("{}", Summary::of(&vit));
    let eps = vit.blocks[11].norm2.eps();
    println!("blocks: {}, blocks.11.norm2 eps = {eps:e}", vit.blocks.len());
    Ok(())
}
