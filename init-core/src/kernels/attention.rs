//! Multi-head scaled dot-product attention, as PyTorch's `F.multi_head_attention_forward` in
//! evaluation mode (no dropout, no `bias_k`/`bias_v`, no zero attention).

use ndarray::linalg::general_mat_mul;
use ndarray::{
    Array2, Array4, ArrayD, ArrayView1, ArrayView2, ArrayView3, ArrayViewD, Axis, CowArray, Ix2,
    Ix3, IxDyn, Zip, s,
};

use crate::error::{InitError, Result};

/// A mask for [`MultiheadAttention::attend_with`](crate::MultiheadAttention::attend_with), as PyTorch accepts them.
#[derive(Clone, Debug)]
pub enum AttnMask<'a> {
    /// `true` marks a position that may not be attended (it gets `-inf` before the softmax).
    Bool(ArrayViewD<'a, bool>),
    /// Added to the attention scores before the softmax (`-inf` forbids a position).
    Float(ArrayViewD<'a, f32>),
}

/// The projection weights of one attention layer, as views: `q_w [E, E]`, `k_w [E, kdim]`,
/// `v_w [E, vdim]`, `out_w [E, E]`, optional biases `[E]`.
pub(crate) struct Projections<'a> {
    pub q_w: ArrayView2<'a, f32>,
    pub k_w: ArrayView2<'a, f32>,
    pub v_w: ArrayView2<'a, f32>,
    pub q_b: Option<ArrayView1<'a, f32>>,
    pub k_b: Option<ArrayView1<'a, f32>>,
    pub v_b: Option<ArrayView1<'a, f32>>,
    pub out_w: ArrayView2<'a, f32>,
    pub out_b: Option<ArrayView1<'a, f32>>,
}

/// How to run the attention: head count, input layout, masks, head averaging.
pub(crate) struct Call<'m, 'a> {
    pub heads: usize,
    pub batch_first: bool,
    pub key_padding_mask: Option<&'m AttnMask<'a>>,
    pub attn_mask: Option<&'m AttnMask<'a>>,
    pub average_attn_weights: bool,
    /// Who passed the masks, under which names: what a mask's shape error says.
    pub names: MaskNames,
}

/// The layer and keyword names a mask's shape error uses: MultiheadAttention's own
/// (`key_padding_mask`, `attn_mask`), or those of the layer that called it
/// (`TransformerDecoderLayer`'s `memory_key_padding_mask`, `memory_mask`).
#[derive(Clone, Copy)]
pub(crate) struct MaskNames {
    pub layer: &'static str,
    pub key_padding_mask: &'static str,
    pub attn_mask: &'static str,
}

impl MaskNames {
    /// MultiheadAttention's own names.
    pub(crate) const MHA: MaskNames =
        MaskNames { layer: LAYER, key_padding_mask: "key_padding_mask", attn_mask: "attn_mask" };
}

const LAYER: &str = "MultiheadAttention";

fn err(rule: String) -> InitError {
    InitError::input(LAYER, rule)
}

/// PyTorch's `MultiheadAttention.forward(query, key, value, need_weights=True)` in eval mode.
///
/// Batched inputs are `query [L, N, E]`, `key [S, N, kdim]`, `value [S, N, vdim]` (`[N, L, E]`,
/// ... with `batch_first`); unbatched ones `[L, E]`, `[S, kdim]`, `[S, vdim]`. Returns the
/// output in the query's layout and the attention weights `[N, L, S]` (`[N, H, L, S]` when not
/// averaged; without the `N` axis for unbatched inputs). Every shape is checked here.
pub(crate) fn multi_head_attention(
    query: ArrayViewD<'_, f32>,
    key: ArrayViewD<'_, f32>,
    value: ArrayViewD<'_, f32>,
    w: &Projections<'_>,
    call: &Call<'_, '_>,
) -> Result<(ArrayD<f32>, ArrayD<f32>)> {
    let shape_err = |e: ndarray::ShapeError| err(e.to_string());
    let (e, kdim, vdim) = (w.q_w.nrows(), w.k_w.ncols(), w.v_w.ncols());
    let heads = call.heads;
    if heads == 0 || !e.is_multiple_of(heads) {
        return Err(InitError::config(
            LAYER,
            format!("embed_dim {e} must be divisible by num_heads {heads} > 0"),
        ));
    }
    let (qs, ks, vs) = (query.shape(), key.shape(), value.shape());
    let batched = match query.ndim() {
        3 => true,
        2 => false,
        _ => {
            return Err(err(format!(
                "query of shape {qs:?} must be [L, N, {e}] ([N, L, {e}] with batch_first) or unbatched [L, {e}]"
            )));
        }
    };
    if key.ndim() != query.ndim() || value.ndim() != query.ndim() {
        return Err(err(format!(
            "key of shape {ks:?} and value of shape {vs:?} must have as many dimensions as query of shape {qs:?}"
        )));
    }
    for (name, shape, want, what) in
        [("query", qs, e, "embed_dim"), ("key", ks, kdim, "kdim"), ("value", vs, vdim, "vdim")]
    {
        if shape.last() != Some(&want) {
            return Err(err(format!(
                "{name} of shape {shape:?} must have last dimension {want} ({what})"
            )));
        }
    }

    // Logical views [T, N, D] whatever the layout; an unbatched input gets N = 1.
    let batch_first = batched && call.batch_first;
    let q_in = logical(query.view(), batched, batch_first)?;
    let k_in = logical(key.view(), batched, batch_first)?;
    let v_in = logical(value.view(), batched, batch_first)?;
    let (l, n, _) = q_in.dim();
    let (s, nk, _) = k_in.dim();
    let (sv, nv, _) = v_in.dim();
    if nk != n || nv != n {
        return Err(err(format!(
            "query of shape {qs:?}, key of shape {ks:?} and value of shape {vs:?} must have the same batch size"
        )));
    }
    if sv != s {
        return Err(err(format!(
            "key of shape {ks:?} and value of shape {vs:?} must have the same sequence length"
        )));
    }

    // Masks as additive f32 values: key_padding_mask seen as [N, S], attn_mask as [1 or N·H, L, S].
    let kpm_f = call.key_padding_mask.map(as_f32);
    let kpm = match &kpm_f {
        None => None,
        Some(m) => {
            let want: &[usize] = if batched { &[n, s] } else { &[s] };
            if m.shape() != want {
                return Err(InitError::input(
                    call.names.layer,
                    format!(
                        "{} of shape {:?} must be [N, S] = {want:?}{}",
                        call.names.key_padding_mask,
                        m.shape(),
                        if batched { "" } else { " for unbatched inputs ([S])" }
                    ),
                ));
            }
            let m = if batched { m.view() } else { m.view().insert_axis(Axis(0)) };
            Some(m.into_dimensionality::<Ix2>().map_err(shape_err)?)
        }
    };
    let am_f = call.attn_mask.map(as_f32);
    let am = match &am_f {
        None => None,
        Some(m) => {
            let nh = if batched { "N * num_heads" } else { "num_heads" };
            let m = match m.shape() {
                [a, b] if (*a, *b) == (l, s) => m.view().insert_axis(Axis(0)),
                [c, a, b] if (*c, *a, *b) == (n * heads, l, s) => m.view(),
                other => {
                    return Err(InitError::input(
                        call.names.layer,
                        format!(
                            "{} of shape {other:?} must be [L, S] = {:?} or [{nh}, L, S] = {:?}",
                            call.names.attn_mask,
                            [l, s],
                            [n * heads, l, s]
                        ),
                    ));
                }
            };
            Some(m.into_dimensionality::<Ix3>().map_err(shape_err)?)
        }
    };

    // Input projections, in each input's own memory layout; q scaled as PyTorch does.
    let hd = e / heads;
    let mut q = project(query.view(), w.q_w, w.q_b)?;
    let k = project(key.view(), w.k_w, w.k_b)?;
    let v = project(value.view(), w.v_w, w.v_b)?;
    let scale = (1.0 / hd as f64).sqrt() as f32;
    q.mapv_inplace(|x| x * scale);
    let q = logical(q.view(), batched, batch_first)?;
    let k = logical(k.view(), batched, batch_first)?;
    let v = logical(v.view(), batched, batch_first)?;

    // Per batch element and head: softmax(q kᵀ + mask) v, written into the head's columns of
    // `attn` (laid out as the query, so that the output projection reads it in place).
    let mut attn = ArrayD::<f32>::zeros(query.raw_dim());
    let weight_heads = if call.average_attn_weights { 1 } else { heads };
    let mut weights = Array4::<f32>::zeros((n, weight_heads, l, s));
    let mut scores = Array2::<f32>::zeros((l, s));
    {
        let attn_v = attn.view_mut();
        let attn_v = if batched { attn_v } else { attn_v.insert_axis(Axis(1)) };
        let attn_v = attn_v.into_dimensionality::<Ix3>().map_err(shape_err)?;
        let mut attn_v = if batch_first { attn_v.permuted_axes([1, 0, 2]) } else { attn_v };
        for b in 0..n {
            for h in 0..heads {
                let cols = h * hd..(h + 1) * hd;
                let qh = q.slice(s![.., b, cols.clone()]);
                let kh = k.slice(s![.., b, cols.clone()]);
                let vh = v.slice(s![.., b, cols.clone()]);
                general_mat_mul(1.0, &qh, &kh.t(), 0.0, &mut scores);
                let am_bh = am.as_ref().map(|m| {
                    let i = if m.len_of(Axis(0)) == 1 { 0 } else { b * heads + h };
                    m.index_axis(Axis(0), i)
                });
                add_masks(&mut scores, am_bh, kpm.as_ref().map(|m| m.row(b)));
                softmax_rows(&mut scores);
                let mut out_h = attn_v.slice_mut(s![.., b, cols]);
                general_mat_mul(1.0, &scores, &vh, 0.0, &mut out_h);
                if call.average_attn_weights {
                    let mut acc = weights.slice_mut(s![b, 0, .., ..]);
                    acc += &scores;
                } else {
                    weights.slice_mut(s![b, h, .., ..]).assign(&scores);
                }
            }
        }
    }
    if call.average_attn_weights {
        // PyTorch's mean over the head axis: the sum over heads in order, divided by H.
        let count = heads as f32;
        weights.mapv_inplace(|x| x / count);
    }

    // Output projection over the last axis, in the query's layout.
    let out = project(attn.view(), w.out_w, w.out_b)?;
    let weights = match (call.average_attn_weights, batched) {
        (true, true) => weights.into_shape_with_order(IxDyn(&[n, l, s])),
        (true, false) => weights.into_shape_with_order(IxDyn(&[l, s])),
        (false, true) => Ok(weights.into_dyn()),
        (false, false) => weights.into_shape_with_order(IxDyn(&[heads, l, s])),
    }
    .map_err(shape_err)?;
    Ok((out, weights))
}

/// A batched (`[T, N, D]`, or `[N, T, D]` with `batch_first`) or unbatched (`[T, D]`) input
/// seen as `[T, N, D]`, without copying.
fn logical(
    x: ArrayViewD<'_, f32>,
    batched: bool,
    batch_first: bool,
) -> Result<ArrayView3<'_, f32>> {
    let x = if batched { x } else { x.insert_axis(Axis(1)) };
    let x = x.into_dimensionality::<Ix3>().map_err(|e| err(e.to_string()))?;
    Ok(if batch_first { x.permuted_axes([1, 0, 2]) } else { x })
}

/// A mask as additive `f32` values: `true` → `-inf`, `false` → 0 (PyTorch's `_canonical_mask`);
/// a float mask is borrowed as it is.
fn as_f32<'a>(m: &AttnMask<'a>) -> CowArray<'a, f32, IxDyn> {
    match m {
        AttnMask::Float(a) => CowArray::from(a.clone()),
        AttnMask::Bool(a) => CowArray::from(a.mapv(|x| if x { f32::NEG_INFINITY } else { 0.0 })),
    }
}

/// `scores[l, s] += attn_mask[l, s] + key_padding_mask[s]`, the two masks merged first as
/// PyTorch merges them before its `baddbmm`.
fn add_masks(
    scores: &mut Array2<f32>,
    am: Option<ArrayView2<'_, f32>>,
    kpm: Option<ArrayView1<'_, f32>>,
) {
    match (am, kpm) {
        (None, None) => {}
        (Some(am), None) => *scores += &am,
        (None, Some(kpm)) => *scores += &kpm.insert_axis(Axis(0)),
        (Some(am), Some(kpm)) => {
            for (mut row, am_row) in scores.outer_iter_mut().zip(am.outer_iter()) {
                Zip::from(&mut row).and(&am_row).and(&kpm).for_each(|x, &a, &p| *x += a + p);
            }
        }
    }
}

/// Softmax over each row, stably: `exp(x - max) / Σ exp(x - max)`. A row that is all `-inf`
/// (every key masked) gives NaN, as in PyTorch.
fn softmax_rows(x: &mut Array2<f32>) {
    for mut row in x.outer_iter_mut() {
        let max = row.fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        let mut sum = 0.0f32;
        row.mapv_inplace(|v| {
            let e = (v - max).exp();
            sum += e;
            e
        });
        row.mapv_inplace(|v| v / sum);
    }
}

/// `x [..., d] · w [e, d]ᵀ + b [e]`, keeping `x`'s leading axes (the caller has checked that
/// `x` has at least one axis and that its last one is `d`).
fn project(
    x: ArrayViewD<'_, f32>,
    w: ArrayView2<'_, f32>,
    b: Option<ArrayView1<'_, f32>>,
) -> Result<ArrayD<f32>> {
    let shape_err = |e: ndarray::ShapeError| err(e.to_string());
    let (e, d) = w.dim();
    let mut shape = x.shape().to_vec();
    let rows: usize = shape.iter().rev().skip(1).product();
    let x = x.as_standard_layout();
    let x2 = x.view().into_shape_with_order((rows, d)).map_err(shape_err)?;
    let mut y = x2.dot(&w.t());
    if let Some(b) = b {
        y += &b.insert_axis(Axis(0));
    }
    if let Some(last) = shape.last_mut() {
        *last = e;
    }
    y.into_shape_with_order(IxDyn(&shape)).map_err(shape_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_is_stable_for_large_scores() {
        let mut x = ndarray::array![[1000.0f32, 1000.0], [-1000.0, -1e30], [88.0, 0.0]];
        softmax_rows(&mut x);
        assert_eq!(x.row(0).to_vec(), [0.5, 0.5]);
        assert_eq!(x.row(1).to_vec(), [1.0, 0.0]);
        assert!(x.row(2).iter().all(|v| v.is_finite()));
        assert!((x.row(2).sum() - 1.0).abs() < 1e-6);
    }

    #[test]
    fn fully_masked_rows_are_nan() {
        let mut x =
            ndarray::array![[f32::NEG_INFINITY, f32::NEG_INFINITY], [0.0, f32::NEG_INFINITY]];
        softmax_rows(&mut x);
        assert!(x.row(0).iter().all(|v| v.is_nan()));
        assert_eq!(x.row(1).to_vec(), [1.0, 0.0]);
    }
}
