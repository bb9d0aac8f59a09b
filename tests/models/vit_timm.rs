//! timm's program for `vit_tiny_patch16_224`, draw for draw, and its eval-mode forward, for
//! the model declared in `examples/vit_tiny.rs`.

use init::ndarray::{Array1, Array2, ArrayD, Axis, Ix2, s};
use init::prelude::*;
use init::{Rules, TorchLoop, TruncNormalAlgorithm};

use super::vit::{DIM, TOKENS, VisionTransformer};

const HEADS: usize = 3;

/// `torch.manual_seed(seed); timm.create_model("vit_tiny_patch16_224")`, as timm 1.0 runs it:
/// every layer's default in construction order, then `init_weights`: `trunc_normal_(pos_embed,
/// std=.02)`, `normal_(cls_token, std=1e-6)`, and `named_apply(init_weights_vit_timm)`
/// (post-order: each Linear's weight `trunc_normal_(std=.02)`, its bias zeros; no reset of the
/// other layers). timm's `trunc_normal_` is PyTorch's older inverse-CDF algorithm.
/// Returns the generator as timm leaves PyTorch's.
pub fn timm_create_model(seed: u64) -> Result<(VisionTransformer, TorchGenerator), InitError> {
    let mut g = TorchGenerator::new(seed).with_trunc_normal(TruncNormalAlgorithm::InverseCdf);
    let mut vit = VisionTransformer::zeroed();
    vit.reset_parameters("", &mut g)?;
    let trunc = Init::TruncNormal { mean: 0.0, std: 0.02, a: -2.0, b: 2.0 };
    trunc.apply(vit.pos_embed.at("pos_embed"), &mut g)?;
    Init::Normal { mean: 0.0, std: 1e-6 }.apply(vit.cls_token.at("cls_token"), &mut g)?;
    Rules::new()
        .kind(LayerKind::Linear, "weight", trunc)
        .kind(LayerKind::Linear, "bias", Init::Zeros)
        .apply_torch(&mut vit, &mut g, TorchLoop::Apply)?;
    Ok((vit, g))
}

impl VisionTransformer {
    /// timm's eval forward on one image `[3, 224, 224]`: the class token's logits `[1000]`.
    pub fn logits(&self, image: &ArrayD<f32>) -> Array1<f32> {
        let x = image.view().insert_axis(Axis(0));
        let patches = self.patch_embed.proj.forward(x).unwrap(); // [1, DIM, 14, 14]
        let patches = patches.into_shape_with_order((DIM, TOKENS - 1)).unwrap();
        let mut x = Array2::<f32>::zeros((TOKENS, DIM));
        x.row_mut(0).assign(&self.cls_token.view().into_shape_with_order(DIM).unwrap());
        x.slice_mut(s![1.., ..]).assign(&patches.t());
        x += &self.pos_embed.view().into_shape_with_order((TOKENS, DIM)).unwrap();
        for b in &self.blocks {
            let a = forward2(&b.attn.qkv, &forward2(&b.norm1, &x));
            x = x + forward2(&b.attn.proj, &attention(&a, HEADS));
            let m = forward2(&b.mlp.act, &forward2(&b.mlp.fc1, &forward2(&b.norm2, &x)));
            x = x + forward2(&b.mlp.fc2, &m);
        }
        let cls = forward2(&self.norm, &x).slice(s![0..1, ..]).to_owned();
        forward2(&self.head, &cls).row(0).to_owned()
    }
}

/// A layer's forward on a matrix.
fn forward2(layer: &dyn Forward, x: &Array2<f32>) -> Array2<f32> {
    let y = layer.forward(x.view().into_dyn()).unwrap();
    y.into_dimensionality::<Ix2>().unwrap()
}

/// timm's `Attention` core on `qkv` `[N, 3E]` (q, k, v blocks, each split into `heads`):
/// `softmax(q kᵀ / √d) v`, `[N, E]`.
fn attention(qkv: &Array2<f32>, heads: usize) -> Array2<f32> {
    let (n, e) = (qkv.nrows(), qkv.ncols() / 3);
    let d = e / heads;
    let scale = 1.0 / (d as f32).sqrt();
    let mut out = Array2::<f32>::zeros((n, e));
    for h in 0..heads {
        let q = qkv.slice(s![.., h * d..(h + 1) * d]);
        let k = qkv.slice(s![.., e + h * d..e + (h + 1) * d]);
        let v = qkv.slice(s![.., 2 * e + h * d..2 * e + (h + 1) * d]);
        let mut w = q.dot(&k.t()) * scale;
        for mut row in w.rows_mut() {
            let max = row.fold(f32::NEG_INFINITY, |m, &x| m.max(x));
            row.mapv_inplace(|x| (x - max).exp());
            let sum = row.sum();
            row /= sum;
        }
        out.slice_mut(s![.., h * d..(h + 1) * d]).assign(&w.dot(&v));
    }
    out
}
