//! [`Embedding`]: a lookup table of `NUM` vectors of size `DIM`.

use ndarray::{ArrayD, ArrayViewD};

use crate::error::{InitError, Result};
use crate::kernels::embedding;
use crate::module::{Features, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, join, trace};
use crate::param::{Param, ParamSlot};
use crate::rng::Generator;
use crate::schemes::{Init, planning};
use crate::spec::{LayerSpec, ParamTable};

/// A lookup table, PyTorch's `nn.Embedding(NUM, DIM, padding_idx=...)`.
///
/// Parameter `weight` of shape `[NUM, DIM]`: row `i` is the vector of index `i`. Default
/// initialization (PyTorch's `reset_parameters`): `normal(weight, 0, 1)` over the whole
/// matrix, then the `padding_idx` row, if any, set to zeros (the values drawn for it are
/// discarded, so the generator advances exactly as PyTorch's does).
///
/// `padding_idx` is runtime configuration ([`with_padding_idx`](Embedding::with_padding_idx)):
/// negative values count from the end as in PyTorch, and a value outside `-NUM..NUM` is an
/// error. PyTorch's `max_norm`, `scale_grad_by_freq` and `sparse` concern the backward pass
/// or renormalize in place during lookup; they are not provided.
///
/// The forward pass is [`lookup`](Embedding::lookup): `i64` indices of any shape `[...]` give
/// `[..., DIM]`. It is not a [`Forward`](crate::Forward) layer, since its input is not `f32`.
///
/// ```
/// use init_core::{Embedding, Module, TorchGenerator};
/// use ndarray::array;
///
/// // nn.Embedding(10, 4, padding_idx=2) after torch.manual_seed(15), bit for bit:
/// let emb = Embedding::<10, 4>::new(&mut TorchGenerator::new(15))?.with_padding_idx(2)?;
/// assert_eq!(emb.padding_idx(), Some(2));
/// assert_eq!(emb.weight().unwrap().shape(), &[10, 4]);
/// let y = emb.lookup(array![[2, 7, 0], [9, 9, 2]].into_dyn().view())?;
/// assert_eq!(y.shape(), &[2, 3, 4]);
/// assert!(y.slice(ndarray::s![0, 0, ..]).iter().all(|&v| v == 0.0)); // the padding row
///
/// let err = emb.lookup(array![[3, 10]].into_dyn().view()).unwrap_err();
/// assert_eq!(err.to_string(), "Embedding: index 10 at position [0, 1] is out of range 0..10 (num_embeddings = 10)");
/// let err = Embedding::<10, 4>::zeroed().with_padding_idx(-11).unwrap_err();
/// assert_eq!(err.to_string(), "Embedding: padding_idx -11 is out of range for num_embeddings = 10 (must be in -10..10)");
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Embedding<const NUM: usize, const DIM: usize> {
    weight: Param,
    padding_idx: Option<usize>,
}

impl<const NUM: usize, const DIM: usize> Embedding<NUM, DIM> {
    /// The table with every value zero, before any initialization, without padding index.
    ///
    /// # Panics
    ///
    /// If the parameters' memory cannot be allocated (only for dimensions far beyond any
    /// model's), with the allocation error as the message; [`new`](Self::new) returns it.
    pub fn zeroed() -> Self {
        Self::try_zeroed().unwrap_or_else(|e| panic!("Embedding::zeroed: {e}"))
    }

    /// [`zeroed`](Self::zeroed) with an error when the memory cannot be allocated.
    fn try_zeroed() -> Result<Self> {
        Ok(Embedding { weight: Param::try_zeros(&[NUM, DIM])?, padding_idx: None })
    }

    /// The table with PyTorch's default initialization, N(0, 1) (parameter named `weight`:
    /// for [`Seed`](crate::Seed), the stream key), without padding index.
    pub fn new(rng: &mut dyn Generator) -> Result<Self> {
        let mut layer = Self::try_zeroed()?;
        layer.reset_parameters("", rng)?;
        Ok(layer)
    }

    /// The same table with index `padding_idx` as padding (PyTorch's `padding_idx`): its row
    /// is set to zeros now and after every [`reset_parameters`](Module::reset_parameters).
    /// Since PyTorch draws the whole matrix before zeroing that row,
    /// `Embedding::new(rng)?.with_padding_idx(p)?` gives exactly PyTorch's values.
    ///
    /// A negative value counts from the end (`-1` is row `NUM − 1`). Error: `padding_idx`
    /// outside `-NUM..NUM`.
    pub fn with_padding_idx(mut self, padding_idx: i64) -> Result<Self> {
        let row = padding_row(NUM, padding_idx).ok_or_else(|| {
            InitError::config(
                "Embedding",
                format!(
                    "padding_idx {padding_idx} is out of range for num_embeddings = {NUM} (must be in -{NUM}..{NUM})"
                ),
            )
        })?;
        self.padding_idx = Some(row);
        self.zero_padding_row();
        Ok(self)
    }

    /// The padding index, normalized to `0..NUM`, if there is one.
    pub fn padding_idx(&self) -> Option<usize> {
        self.padding_idx
    }

    /// The vectors of `indices` (any shape `[...]`, `i64` as PyTorch's): output `[..., DIM]`.
    /// Error: an index outside `0..NUM`, named with its position.
    pub fn lookup(&self, indices: ArrayViewD<'_, i64>) -> Result<ArrayD<f32>> {
        trace::traced(self, || {
            embedding::lookup("Embedding", self.weight.as_slice(), NUM, DIM, &indices)
        })
    }

    fn zero_padding_row(&mut self) {
        if let Some(p) = self.padding_idx {
            self.weight.as_slice_mut()[p * DIM..(p + 1) * DIM].fill(0.0);
        }
    }
}

impl<const NUM: usize, const DIM: usize> Zeroed for Embedding<NUM, DIM> {
    fn zeroed() -> Self {
        Self::zeroed()
    }
}

impl<const NUM: usize, const DIM: usize> LayerSpec for Embedding<NUM, DIM> {
    const KIND: LayerKind = LayerKind::Embedding;
    const PARAMS: ParamTable = ParamTable::EMPTY.with("weight", &[NUM, DIM]);
}

impl<const NUM: usize, const DIM: usize> Module for Embedding<NUM, DIM> {
    fn kind(&self) -> LayerKind {
        LayerKind::Embedding
    }

    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        v.param("weight", &self.weight);
    }

    fn visit_mut<'a>(&'a mut self, v: &mut dyn VisitorMut<'a>) {
        v.param("weight", ParamSlot::from(&mut self.weight));
    }

    /// PyTorch's `reset_parameters`: `normal(weight, 0, 1)`, then the padding row zeroed.
    fn init_defaults(
        &mut self,
        prefix: &str,
        ruled: &dyn Fn(&str) -> bool,
        rng: &mut dyn Generator,
    ) -> Result<()> {
        if !ruled("weight") {
            let init = Init::Normal { mean: 0.0, std: 1.0 };
            let path = join(prefix, "weight");
            init.fill(&mut self.weight, &path, rng)?;
            if let Some(p) = self.padding_idx {
                planning::zero_row(&mut self.weight, &path, p, DIM);
            }
        }
        Ok(())
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl<const NUM: usize, const DIM: usize> Features for Embedding<NUM, DIM> {
    const IN: Width = Width::Any;
    const OUT: Width = Width::Exactly(DIM);
}

/// The row `padding_idx` names in a table of `num` rows (negative counts from the end), if
/// it is in `-num..num`: the rule of [`Embedding::with_padding_idx`] and
/// `#[layer(padding_idx = ...)]` alike.
#[allow(clippy::manual_range_contains)] // `contains` is not a `const fn`
const fn padding_row(num: usize, padding_idx: i64) -> Option<usize> {
    let (num, p) = (num as i128, padding_idx as i128);
    let row = if p < 0 { p + num } else { p };
    if row >= 0 && row < num { Some(row as usize) } else { None }
}

/// The settings of [`Embedding`] for `#[layer(...)]`: `#[layer(padding_idx = 0)]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EmbeddingConfig<const NUM: usize> {
    /// The padding row (default `None`).
    pub padding_idx: Option<i64>,
}

impl<const NUM: usize> EmbeddingConfig<NUM> {
    /// The rule [`Embedding::with_padding_idx`] applies: empty when the settings are valid.
    pub const fn verdict(&self) -> crate::spec::Msg {
        let ok = match self.padding_idx {
            Some(p) => padding_row(NUM, p).is_some(),
            None => true,
        };
        crate::spec::config::Rules::new("Embedding")
            .holds(ok, "padding_idx must be in -num_embeddings..num_embeddings")
            .verdict()
    }
}

impl<const NUM: usize, const DIM: usize> crate::spec::Configure for Embedding<NUM, DIM> {
    type Config = EmbeddingConfig<NUM>;
    const DEFAULT: EmbeddingConfig<NUM> = EmbeddingConfig { padding_idx: None };

    fn configure(&mut self, config: &EmbeddingConfig<NUM>) {
        self.padding_idx = config.padding_idx.and_then(|p| padding_row(NUM, p));
        self.zero_padding_row();
    }
}
