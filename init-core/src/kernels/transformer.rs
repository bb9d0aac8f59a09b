//! PyTorch's `nn.TransformerEncoderLayer` and `nn.TransformerDecoderLayer` forward passes in
//! evaluation mode, over runtime sizes: residual blocks around self-attention, cross-attention
//! and the feed-forward network, normalized after each residual sum (`norm_first = false`)
//! or before each block (`norm_first = true`). Dropout is the identity in evaluation mode, so
//! it does not appear. The children run through their own kernels (attention) or their
//! `Forward` impls (Linear, LayerNorm), so nothing here is generic.

use ndarray::{Array2, ArrayD, ArrayViewD};

use super::activation;
use super::attention::{self, AttnMask, Call, MaskNames, Projections};
use crate::error::{InitError, Result};
use crate::module::Forward;
use crate::spec::config::TransformerActivation;

/// One attention block: its projections and head count.
pub(crate) struct Attention<'a> {
    pub proj: Projections<'a>,
    pub heads: usize,
}

/// The feed-forward block, `linear2(activation(linear1(x)))`.
pub(crate) struct FeedForward<'a> {
    pub linear1: &'a dyn Forward,
    pub linear2: &'a dyn Forward,
    pub activation: TransformerActivation,
}

/// The masks of one attention block as the caller passed them, and the keyword names its
/// errors use (`src_mask`, `src_key_padding_mask`, `is_causal`).
pub(crate) struct Masks<'m, 'a> {
    pub attn_mask: Option<&'m AttnMask<'a>>,
    pub key_padding_mask: Option<&'m AttnMask<'a>>,
    pub is_causal: bool,
    pub names: MaskNames,
    pub is_causal_name: &'static str,
}

/// How a layer runs: its name (for errors), `d_model`, layout and normalization order.
#[derive(Clone, Copy)]
pub(crate) struct Setup {
    pub layer: &'static str,
    pub d_model: usize,
    pub batch_first: bool,
    pub norm_first: bool,
}

/// The encoder layer: `self_attn`, the feed-forward block, `norm1`, `norm2`.
pub(crate) struct Encoder<'a> {
    pub self_attn: Attention<'a>,
    pub ff: FeedForward<'a>,
    pub norm1: &'a dyn Forward,
    pub norm2: &'a dyn Forward,
}

/// The decoder layer: `self_attn`, `multihead_attn` (over the memory), the feed-forward
/// block, `norm1`, `norm2`, `norm3`.
pub(crate) struct Decoder<'a> {
    pub self_attn: Attention<'a>,
    pub cross_attn: Attention<'a>,
    pub ff: FeedForward<'a>,
    pub norms: [&'a dyn Forward; 3],
}

/// `TransformerEncoderLayer.forward(src, src_mask, src_key_padding_mask, is_causal)`.
pub(crate) fn encoder_layer(
    src: ArrayViewD<'_, f32>,
    layer: &Encoder<'_>,
    masks: &Masks<'_, '_>,
    setup: Setup,
) -> Result<ArrayD<f32>> {
    let len = sequence(setup, "src", "S", &src)?.0;
    let causal = causal_mask(setup, masks, len, len)?;
    let sa = |x: ArrayViewD<'_, f32>| attend(&layer.self_attn, x.clone(), x, masks, &causal, setup);
    let x = residual(src.to_owned(), layer.norm1, sa, setup)?;
    residual(x, layer.norm2, |x| feed_forward(&layer.ff, x), setup)
}

/// `TransformerDecoderLayer.forward(tgt, memory, tgt_mask, memory_mask,
/// tgt_key_padding_mask, memory_key_padding_mask, tgt_is_causal, memory_is_causal)`.
pub(crate) fn decoder_layer(
    tgt: ArrayViewD<'_, f32>,
    memory: ArrayViewD<'_, f32>,
    layer: &Decoder<'_>,
    (tgt_masks, memory_masks): (&Masks<'_, '_>, &Masks<'_, '_>),
    setup: Setup,
) -> Result<ArrayD<f32>> {
    let (t, t_batch) = sequence(setup, "tgt", "T", &tgt)?;
    let (s, s_batch) = sequence(setup, "memory", "S", &memory)?;
    if tgt.ndim() != memory.ndim() {
        return Err(InitError::input(
            setup.layer,
            format!(
                "memory of shape {:?} must have as many dimensions as tgt of shape {:?}",
                memory.shape(),
                tgt.shape()
            ),
        ));
    }
    if t_batch != s_batch {
        return Err(InitError::input(
            setup.layer,
            format!(
                "tgt of shape {:?} and memory of shape {:?} must have the same batch size",
                tgt.shape(),
                memory.shape()
            ),
        ));
    }
    let tgt_causal = causal_mask(setup, tgt_masks, t, t)?;
    let memory_causal = causal_mask(setup, memory_masks, t, s)?;
    let [norm1, norm2, norm3] = layer.norms;
    let sa = |x: ArrayViewD<'_, f32>| {
        attend(&layer.self_attn, x.clone(), x, tgt_masks, &tgt_causal, setup)
    };
    let x = residual(tgt.to_owned(), norm1, sa, setup)?;
    let mha = |x: ArrayViewD<'_, f32>| {
        attend(&layer.cross_attn, x, memory.view(), memory_masks, &memory_causal, setup)
    };
    let x = residual(x, norm2, mha, setup)?;
    residual(x, norm3, |x| feed_forward(&layer.ff, x), setup)
}

/// One residual block: `x + block(norm(x))` when `norm_first`, else `norm(x + block(x))`.
fn residual(
    x: ArrayD<f32>,
    norm: &dyn Forward,
    block: impl Fn(ArrayViewD<'_, f32>) -> Result<ArrayD<f32>>,
    setup: Setup,
) -> Result<ArrayD<f32>> {
    if setup.norm_first {
        let y = block(norm.forward(x.view())?.view())?;
        Ok(x + y)
    } else {
        let y = block(x.view())?;
        norm.forward((x + y).view())
    }
}

/// `linear2(activation(linear1(x)))`.
fn feed_forward(ff: &FeedForward<'_>, x: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
    let h = ff.linear1.forward(x)?;
    let h = match ff.activation {
        TransformerActivation::Relu => activation::relu(h.view()),
        TransformerActivation::Gelu => activation::gelu(h.view()),
    };
    ff.linear2.forward(h.view())
}

/// Attention of `query` over `key_value` (both already checked), with the block's masks or,
/// when `is_causal` is set, the causal mask in place of its (checked) attention mask.
fn attend(
    block: &Attention<'_>,
    query: ArrayViewD<'_, f32>,
    key_value: ArrayViewD<'_, f32>,
    masks: &Masks<'_, '_>,
    causal: &Option<ArrayD<bool>>,
    setup: Setup,
) -> Result<ArrayD<f32>> {
    let attn_mask = match causal {
        Some(m) => Some(AttnMask::Bool(m.view())),
        None => masks.attn_mask.map(reborrow),
    };
    let key_padding_mask = masks.key_padding_mask.map(reborrow);
    let call = Call {
        heads: block.heads,
        batch_first: setup.batch_first,
        key_padding_mask: key_padding_mask.as_ref(),
        attn_mask: attn_mask.as_ref(),
        average_attn_weights: true,
        names: masks.names,
    };
    let (out, _) =
        attention::multi_head_attention(query, key_value.clone(), key_value, &block.proj, &call)?;
    Ok(out)
}

/// The same mask, borrowed for a shorter time (`AttnMask` is invariant in its lifetime).
fn reborrow<'s>(m: &'s AttnMask<'_>) -> AttnMask<'s> {
    match m {
        AttnMask::Bool(a) => AttnMask::Bool(a.view()),
        AttnMask::Float(a) => AttnMask::Float(a.view()),
    }
}

/// The sequence length and batch size (`None` unbatched) of an input of the layer, or the
/// error naming its expected shapes: `[S, N, E]` (`[N, S, E]` with `batch_first`) or `[S, E]`.
fn sequence(
    setup: Setup,
    name: &str,
    seq: &str,
    x: &ArrayViewD<'_, f32>,
) -> Result<(usize, Option<usize>)> {
    let e = setup.d_model;
    let (len, batch) = match *x.shape() {
        [n, l, d] if setup.batch_first && d == e => (l, Some(n)),
        [l, n, d] if !setup.batch_first && d == e => (l, Some(n)),
        [l, d] if d == e => (l, None),
        _ => {
            let batched = if setup.batch_first {
                format!("[N, {seq}, {e}] (batch_first)")
            } else {
                format!("[{seq}, N, {e}]")
            };
            return Err(InitError::input(
                setup.layer,
                format!(
                    "{name} of shape {:?} must be {batched} or unbatched [{seq}, {e}] (d_model = {e})",
                    x.shape()
                ),
            ));
        }
    };
    Ok((len, batch))
}

/// With `is_causal`, the causal mask `[l, s]` (`true` where key `j` > query `i`: a query sees
/// itself and what precedes it), after checking that the caller's attention mask, if any, is
/// that mask: PyTorch takes `is_causal` as a hint that the mask is causal and may use either.
fn causal_mask(
    setup: Setup,
    masks: &Masks<'_, '_>,
    l: usize,
    s: usize,
) -> Result<Option<ArrayD<bool>>> {
    if !masks.is_causal {
        return Ok(None);
    }
    let causal = Array2::from_shape_fn((l, s), |(i, j)| j > i).into_dyn();
    let matches = match masks.attn_mask {
        None => true,
        Some(AttnMask::Bool(m)) => *m == causal.view(),
        Some(AttnMask::Float(m)) => {
            m.shape() == causal.shape()
                && m.iter().zip(&causal).all(
                    |(&v, &c)| {
                        if c { v == f32::NEG_INFINITY } else { v == 0.0 }
                    },
                )
        }
    };
    if matches {
        return Ok(Some(causal));
    }
    let shape = masks.attn_mask.map(|m| match m {
        AttnMask::Bool(m) => m.shape().to_vec(),
        AttnMask::Float(m) => m.shape().to_vec(),
    });
    Err(InitError::input(
        setup.layer,
        format!(
            "{} of shape {:?} must be the causal mask of shape {:?} (true or -inf where the key comes after the query, false or 0 elsewhere) when {} is set",
            masks.names.attn_mask,
            shape.unwrap_or_default(),
            [l, s],
            masks.is_causal_name,
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masks<'m, 'a>(attn_mask: Option<&'m AttnMask<'a>>) -> Masks<'m, 'a> {
        Masks {
            attn_mask,
            key_padding_mask: None,
            is_causal: true,
            names: MaskNames { layer: "L", key_padding_mask: "kpm", attn_mask: "mask" },
            is_causal_name: "is_causal",
        }
    }

    const SETUP: Setup = Setup { layer: "L", d_model: 4, batch_first: false, norm_first: false };

    #[test]
    fn the_causal_mask_hides_later_keys_and_checks_the_callers() {
        let m = causal_mask(SETUP, &masks(None), 2, 3).unwrap().unwrap();
        assert_eq!(m.into_raw_vec_and_offset().0, [false, true, true, false, false, true]);
        let float = ndarray::array![[0.0, f32::NEG_INFINITY], [0.0, 0.0]].into_dyn();
        assert!(causal_mask(SETUP, &masks(Some(&AttnMask::Float(float.view()))), 2, 2).is_ok());
        let big_negative = ndarray::array![[0.0, -1e9], [0.0, 0.0]].into_dyn();
        let err = causal_mask(SETUP, &masks(Some(&AttnMask::Float(big_negative.view()))), 2, 2);
        assert_eq!(
            err.unwrap_err().to_string(),
            "L: mask of shape [2, 2] must be the causal mask of shape [2, 2] (true or -inf where the key comes after the query, false or 0 elsewhere) when is_causal is set"
        );
        let not_causal = masks(None);
        assert!(
            causal_mask(SETUP, &Masks { is_causal: false, ..not_causal }, 2, 2).unwrap().is_none()
        );
    }
}
