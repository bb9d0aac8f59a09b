//! timm's `vit_tiny_patch16_224` (embed 192, depth 12, 3 heads, MLP 768, 1000 classes), with
//! today's API: the root is a hand-written `Module` for its bare `cls_token` and `pos_embed`
//! (the derive's bare parameters will replace it), `blocks` a hand-written container, and
//! the norms' `eps = 1e-6` set by builder.
//!
//! timm's `init_weights` (timm 1.0) as rules, [`timm_rules`]: `pos_embed` timm's
//! `trunc_normal_(std=.02)`, `cls_token` `normal_(std=1e-6)`, then `named_apply` (post-order,
//! root excluded) over every Linear: `trunc_normal_(std=.02)` and bias zeros. The patch
//! embedding's conv and the LayerNorms keep their construction defaults.

use init::prelude::*;
use init::{Param, ParamSlot, Visitor, VisitorMut};

pub const DIM: usize = 192;
pub const DEPTH: usize = 12;
pub const TOKENS: usize = 197; // 14 x 14 patches + the class token

#[derive(Module)]
pub struct PatchEmbed {
    pub proj: Conv2d<3, DIM, 16, 16>,
    pub norm: Identity,
}

#[derive(Module)]
pub struct Attention {
    pub qkv: Linear<DIM, { 3 * DIM }>,
    pub q_norm: Identity,
    pub k_norm: Identity,
    pub attn_drop: Dropout,
    pub norm: Identity,
    pub proj: Linear<DIM, DIM>,
    pub proj_drop: Dropout,
}

#[derive(Module)]
pub struct Mlp {
    pub fc1: Linear<DIM, { 4 * DIM }>,
    pub act: GELU,
    pub drop1: Dropout,
    pub norm: Identity,
    pub fc2: Linear<{ 4 * DIM }, DIM>,
    pub drop2: Dropout,
}

#[derive(Module)]
pub struct Block {
    pub norm1: LayerNorm<DIM>,
    pub attn: Attention,
    pub ls1: Identity,
    pub drop_path1: Identity,
    pub norm2: LayerNorm<DIM>,
    pub mlp: Mlp,
    pub ls2: Identity,
    pub drop_path2: Identity,
}

/// The root, by hand: own parameters `cls_token` `[1, 1, DIM]` and `pos_embed`
/// `[1, TOKENS, DIM]` (`torch.empty` in timm's constructor: no default draw), then the
/// children in timm's registration order.
pub struct VisionTransformer {
    pub cls_token: Param,
    pub pos_embed: Param,
    pub patch_embed: PatchEmbed,
    pub pos_drop: Dropout,
    pub patch_drop: Identity,
    pub norm_pre: Identity,
    pub blocks: Blocks,
    pub norm: LayerNorm<DIM>,
    pub fc_norm: Identity,
    pub head_drop: Dropout,
    pub head: Linear<DIM, 1000>,
}

impl Module for VisionTransformer {
    fn kind(&self) -> LayerKind {
        LayerKind::Custom("VisionTransformer")
    }
    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        v.param("cls_token", &self.cls_token);
        v.param("pos_embed", &self.pos_embed);
        v.module("patch_embed", &self.patch_embed);
        v.module("pos_drop", &self.pos_drop);
        v.module("patch_drop", &self.patch_drop);
        v.module("norm_pre", &self.norm_pre);
        v.module("blocks", &self.blocks);
        v.module("norm", &self.norm);
        v.module("fc_norm", &self.fc_norm);
        v.module("head_drop", &self.head_drop);
        v.module("head", &self.head);
    }
    fn visit_mut<'a>(&'a mut self, v: &mut dyn VisitorMut<'a>) {
        v.param("cls_token", ParamSlot::from(&mut self.cls_token));
        v.param("pos_embed", ParamSlot::from(&mut self.pos_embed));
        v.module("patch_embed", &mut self.patch_embed);
        v.module("pos_drop", &mut self.pos_drop);
        v.module("patch_drop", &mut self.patch_drop);
        v.module("norm_pre", &mut self.norm_pre);
        v.module("blocks", &mut self.blocks);
        v.module("norm", &mut self.norm);
        v.module("fc_norm", &mut self.fc_norm);
        v.module("head_drop", &mut self.head_drop);
        v.module("head", &mut self.head);
    }
}

/// timm's `nn.Sequential` of blocks. `init::Sequential` holds `Forward` layers only and the
/// blocks' forward is not written here, so this is a plain container with Sequential's kind.
pub struct Blocks(pub Vec<Block>);

impl Module for Blocks {
    fn kind(&self) -> LayerKind {
        LayerKind::Sequential
    }
    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        for (i, b) in self.0.iter().enumerate() {
            v.module(&i.to_string(), b);
        }
    }
    fn visit_mut<'a>(&'a mut self, v: &mut dyn VisitorMut<'a>) {
        for (i, b) in self.0.iter_mut().enumerate() {
            v.module(&i.to_string(), b);
        }
    }
}

fn norm() -> LayerNorm<DIM> {
    LayerNorm::<DIM>::zeroed().with_eps(1e-6).expect("eps")
}

/// `vit_tiny_patch16_224`, every parameter zero.
pub fn vit_tiny_patch16_224() -> VisionTransformer {
    let blocks = Blocks(
        (0..DEPTH)
            .map(|_| {
                let mut b = Block::zeroed();
                (b.norm1, b.norm2) = (norm(), norm());
                b
            })
            .collect(),
    );
    VisionTransformer {
        cls_token: Param::zeros(&[1, 1, DIM]),
        pos_embed: Param::zeros(&[1, TOKENS, DIM]),
        patch_embed: PatchEmbed::zeroed(),
        pos_drop: Dropout::new(),
        patch_drop: Identity,
        norm_pre: Identity,
        blocks,
        norm: norm(),
        fc_norm: Identity,
        head_drop: Dropout::new(),
        head: Linear::zeroed(),
    }
}

/// timm's `init_weights` as runtime rules (values; timm's `trunc_normal_` draws through
/// `erfinv_`, which these do not reproduce bit for bit).
pub fn timm_rules() -> Rules {
    let trunc = Init::TruncNormal { mean: 0.0, std: 0.02, a: -2.0, b: 2.0 };
    Rules::new()
        .module("", "pos_embed", trunc.clone())
        .module("", "cls_token", Init::Normal { mean: 0.0, std: 1e-6 })
        .kind(LayerKind::Linear, "weight", trunc)
        .kind(LayerKind::Linear, "bias", Init::Zeros)
}
