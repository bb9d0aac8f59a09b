//! [`EncoderMasks`] and [`DecoderMasks`]: the masks of the transformer layers' forward passes,
//! with PyTorch's keyword names. The layers turn them into the attention kernel's masks.

use crate::kernels::attention::AttnMask;

/// The masks of
/// [`TransformerEncoderLayer::forward_with`](crate::TransformerEncoderLayer::forward_with),
/// PyTorch's keywords (default: none).
///
/// - `src_mask`: `[S, S]`, or `[N * NHEAD, S, S]` per batch element and head (index
///   `n * NHEAD + h`); boolean (`true` may not be attended) or additive.
/// - `src_key_padding_mask`: `[N, S]` (`[S]` unbatched), `true` (or `-inf`) for padding.
/// - `is_causal`: each position attends to itself and the positions before it. PyTorch
///   takes it as a hint that `src_mask` is that causal mask (and needs `src_mask` on some
///   paths); here `src_mask` may be left out, and when given it must be the causal mask
///   (boolean, or `0`/`-inf` as `nn.Transformer.generate_square_subsequent_mask` makes it),
///   otherwise the forward pass returns an error.
///
/// A query whose keys are all masked gets NaN, as in PyTorch's general path.
///
/// ```
/// use init_core::{AttnMask, EncoderMasks, TransformerEncoderLayer, Seed};
/// use ndarray::{Array2, ArrayD};
///
/// let layer = TransformerEncoderLayer::<4, 2, 8>::new(&mut Seed::new(0))?;
/// let src = ArrayD::<f32>::ones(vec![3, 4]); // unbatched [S, E]
/// let causal = Array2::from_shape_fn((3, 3), |(i, j)| j > i).into_dyn();
/// let explicit = layer.forward_with(
///     src.view(),
///     &EncoderMasks::new().src_mask(AttnMask::Bool(causal.view())),
/// )?;
/// let hinted = layer.forward_with(src.view(), &EncoderMasks::new().is_causal(true))?;
/// assert_eq!(explicit, hinted);
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct EncoderMasks<'a> {
    pub(crate) src_mask: Option<AttnMask<'a>>,
    pub(crate) src_key_padding_mask: Option<AttnMask<'a>>,
    pub(crate) is_causal: bool,
}

impl<'a> EncoderMasks<'a> {
    /// No masks.
    pub fn new() -> Self {
        Self::default()
    }

    /// PyTorch's `src_mask`: `[S, S]` or `[N * NHEAD, S, S]`.
    #[must_use]
    pub fn src_mask(mut self, mask: AttnMask<'a>) -> Self {
        self.src_mask = Some(mask);
        self
    }

    /// PyTorch's `src_key_padding_mask`: `[N, S]`, or `[S]` for an unbatched `src`.
    #[must_use]
    pub fn src_key_padding_mask(mut self, mask: AttnMask<'a>) -> Self {
        self.src_key_padding_mask = Some(mask);
        self
    }

    /// PyTorch's `is_causal`: attend to the current and earlier positions only.
    #[must_use]
    pub fn is_causal(mut self, is_causal: bool) -> Self {
        self.is_causal = is_causal;
        self
    }
}

/// The masks of
/// [`TransformerDecoderLayer::forward2_with`](crate::TransformerDecoderLayer::forward2_with),
/// PyTorch's keywords (default: none). Shapes, with `T` the target length and `S` the memory
/// length:
///
/// - `tgt_mask` `[T, T]` or `[N * NHEAD, T, T]`; `memory_mask` `[T, S]` or
///   `[N * NHEAD, T, S]`: boolean (`true` may not be attended) or additive;
/// - `tgt_key_padding_mask` `[N, T]`, `memory_key_padding_mask` `[N, S]` (`[T]`, `[S]`
///   unbatched);
/// - `tgt_is_causal`, `memory_is_causal`: query `i` attends to keys `j <= i` only. As for
///   [`EncoderMasks::is_causal`](crate::EncoderMasks::is_causal), the corresponding mask may
///   be left out, and when given must be that causal mask.
///
/// ```
/// use init_core::{AttnMask, DecoderMasks, Seed, TransformerDecoderLayer};
/// use ndarray::{ArrayD, array};
///
/// let layer = TransformerDecoderLayer::<4, 1, 8>::new(&mut Seed::new(1))?;
/// let (tgt, memory) = (ArrayD::<f32>::ones(vec![2, 1, 4]), ArrayD::<f32>::ones(vec![3, 1, 4]));
/// let padding = array![[false, false, true]].into_dyn(); // [N, S]: the last slot is padding
/// let masks = DecoderMasks::new()
///     .tgt_is_causal(true)
///     .memory_key_padding_mask(AttnMask::Bool(padding.view()));
/// assert_eq!(layer.forward2_with(tgt.view(), memory.view(), &masks)?.shape(), &[2, 1, 4]);
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct DecoderMasks<'a> {
    pub(crate) tgt_mask: Option<AttnMask<'a>>,
    pub(crate) memory_mask: Option<AttnMask<'a>>,
    pub(crate) tgt_key_padding_mask: Option<AttnMask<'a>>,
    pub(crate) memory_key_padding_mask: Option<AttnMask<'a>>,
    pub(crate) tgt_is_causal: bool,
    pub(crate) memory_is_causal: bool,
}

impl<'a> DecoderMasks<'a> {
    /// No masks.
    pub fn new() -> Self {
        Self::default()
    }

    /// PyTorch's `tgt_mask`: `[T, T]` or `[N * NHEAD, T, T]`.
    #[must_use]
    pub fn tgt_mask(mut self, mask: AttnMask<'a>) -> Self {
        self.tgt_mask = Some(mask);
        self
    }

    /// PyTorch's `memory_mask`: `[T, S]` or `[N * NHEAD, T, S]`.
    #[must_use]
    pub fn memory_mask(mut self, mask: AttnMask<'a>) -> Self {
        self.memory_mask = Some(mask);
        self
    }

    /// PyTorch's `tgt_key_padding_mask`: `[N, T]` (`[T]` unbatched).
    #[must_use]
    pub fn tgt_key_padding_mask(mut self, mask: AttnMask<'a>) -> Self {
        self.tgt_key_padding_mask = Some(mask);
        self
    }

    /// PyTorch's `memory_key_padding_mask`: `[N, S]` (`[S]` unbatched).
    #[must_use]
    pub fn memory_key_padding_mask(mut self, mask: AttnMask<'a>) -> Self {
        self.memory_key_padding_mask = Some(mask);
        self
    }

    /// PyTorch's `tgt_is_causal`: the target attends to its current and earlier positions.
    #[must_use]
    pub fn tgt_is_causal(mut self, is_causal: bool) -> Self {
        self.tgt_is_causal = is_causal;
        self
    }

    /// PyTorch's `memory_is_causal`: target position `i` attends to memory positions
    /// `j <= i` only.
    #[must_use]
    pub fn memory_is_causal(mut self, is_causal: bool) -> Self {
        self.memory_is_causal = is_causal;
        self
    }
}
