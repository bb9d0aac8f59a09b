//! [`PReLU`]: a leaky ReLU whose slope is a learned parameter, one per channel or shared.

use ndarray::{ArrayD, ArrayViewD};

use crate::error::{InitError, Result};
use crate::kernels::activation;
use crate::module::{
    Features, Forward, LayerKind, Module, Visitor, VisitorMut, Width, Zeroed, join, trace,
};
use crate::param::{Param, ParamSlot};
use crate::rng::Generator;
use crate::schemes::planning::set_constant;
use crate::spec::config::{self, Rules};
use crate::spec::{LayerSpec, Msg, ParamTable, settings};

/// PyTorch's `nn.PReLU(num_parameters=N, init=0.25)`: `x` where `x > 0`, `weight[c] · x`
/// elsewhere, `c` the channel (axis 1); with `N = 1` (the default) one slope for every
/// element.
///
/// Parameter `weight` of shape `[N]`, filled with `init` (PyTorch's default `0.25`, no random
/// draw). [`with_init`](PReLU::with_init) sets `init` (PyTorch's keyword) and fills the
/// weight with it. With `N > 1` the input needs at least 2 dimensions and `N` channels on
/// axis 1; with `N = 1` any shape is accepted, as in PyTorch. `N = 0` does not compile.
///
/// ```
/// use init_core::{Forward, Module, PReLU};
/// use ndarray::array;
///
/// let act = PReLU::<1>::new();
/// assert_eq!(act.weight().unwrap().as_slice(), &[0.25]);
/// assert_eq!(act.forward(array![-4.0f32, 2.0].into_dyn().view())?.as_slice().unwrap(), &[-1.0, 2.0]);
///
/// let per_channel = PReLU::<2>::new().with_init(0.5)?;
/// let x = array![[-2.0f32, -2.0]].into_dyn();
/// assert_eq!(per_channel.forward(x.view())?.as_slice().unwrap(), &[-1.0, -1.0]);
/// let err = per_channel.forward(array![[-1.0f32, 1.0, 3.0]].into_dyn().view()).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "PReLU: input of shape [1, 3] must have 2 channels on axis 1 (num_parameters)"
/// );
/// assert_eq!(
///     PReLU::<2>::new().with_init(f64::INFINITY).unwrap_err().to_string(),
///     "PReLU: init must be finite, got inf"
/// );
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct PReLU<const N: usize = 1> {
    weight: Param,
    init: f32,
}

impl<const N: usize> PReLU<N> {
    const CHECK: () = config::assert_valid(&<Self as LayerSpec>::CONFIG);

    /// The layer with weight zero, before any initialization, `init = 0.25`.
    pub fn zeroed() -> Self {
        let () = Self::CHECK;
        PReLU { weight: Param::zeros(&[N]), init: 0.25 }
    }

    /// The layer with PyTorch's default initialization: weight filled with `init = 0.25`.
    pub fn new() -> Self {
        let mut layer = Self::zeroed();
        layer.weight.as_slice_mut().fill(layer.init);
        layer
    }

    /// The same layer with another `init` (PyTorch's keyword), the value the weight is
    /// filled with: the weight is filled now (it draws nothing) and by every later default
    /// initialization. Error: `init` not finite.
    pub fn with_init(mut self, init: f64) -> Result<Self> {
        settings::check("PReLU", settings::prelu_init(init), init)?;
        self.init = init as f32;
        self.weight.as_slice_mut().fill(self.init);
        Ok(self)
    }

    /// The value the weight's default initialization fills it with.
    pub fn init(&self) -> f32 {
        self.init
    }
}

impl<const N: usize> Default for PReLU<N> {
    /// [`PReLU::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Zeroed for PReLU<N> {
    fn zeroed() -> Self {
        Self::zeroed()
    }
}

impl<const N: usize> LayerSpec for PReLU<N> {
    const KIND: LayerKind = LayerKind::PReLU;
    const CONFIG: Msg = Rules::new("PReLU").positive("num_parameters", N).verdict();
    const PARAMS: ParamTable = ParamTable::EMPTY.with("weight", &[N]);
}

impl<const N: usize> Module for PReLU<N> {
    fn kind(&self) -> LayerKind {
        LayerKind::PReLU
    }

    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        v.param("weight", &self.weight);
    }

    fn visit_mut<'a>(&'a mut self, v: &mut dyn VisitorMut<'a>) {
        v.param("weight", ParamSlot::from(&mut self.weight));
    }

    /// PyTorch's `reset_parameters`: `constant_(weight, init)`; no random draw.
    fn init_defaults(
        &mut self,
        prefix: &str,
        ruled: &dyn Fn(&str) -> bool,
        _rng: &mut dyn Generator,
    ) -> Result<()> {
        if !ruled("weight") {
            set_constant(&mut self.weight, &join(prefix, "weight"), self.init);
        }
        Ok(())
    }
}

impl<const N: usize> Forward for PReLU<N> {
    fn forward(&self, input: ArrayViewD<'_, f32>) -> Result<ArrayD<f32>> {
        trace::traced(self, || {
            if N != 1 && !matches!(input.shape(), [_, c, ..] if *c == N) {
                return Err(InitError::input(
                    "PReLU",
                    format!(
                        "input of shape {:?} must have {N} channels on axis 1 (num_parameters)",
                        input.shape()
                    ),
                ));
            }
            Ok(activation::prelu(input, self.weight.as_slice()))
        })
    }
}

/// Feature counts for `#[module(sequential)]` chains.
impl<const N: usize> Features for PReLU<N> {
    const IN: Width = if N == 1 { Width::Any } else { Width::Exactly(N) };
    const OUT: Width = Width::Same;
}

/// The settings of [`PReLU`] for `#[layer(...)]`: `#[layer(init = 0.1)]` (the number of
/// parameters is the type's `N`).
///
/// ```
/// use init_core::{Module, PReLU, Seed};
/// use init_core::spec::Configure;
/// let mut config = <PReLU<2> as Configure>::DEFAULT;
/// assert_eq!(config.init, 0.25);
/// config.init = f64::NAN;
/// assert_eq!(config.verdict().message(), Some("PReLU: init must be finite"));
/// config.init = 0.1;
/// let mut act = PReLU::<2>::zeroed();
/// act.configure(&config); // the default init now fills 0.1
/// act.reset_parameters("", &mut Seed::new(0))?;
/// assert_eq!(act.weight().unwrap().as_slice(), &[0.1, 0.1]);
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PReLUConfig {
    /// The value the weight is filled with (default `0.25`).
    pub init: f64,
}

impl PReLUConfig {
    /// The rule [`PReLU::with_init`] applies: empty when valid.
    pub const fn verdict(&self) -> Msg {
        Rules::new("PReLU").setting(settings::prelu_init(self.init)).verdict()
    }
}

impl<const N: usize> crate::spec::Configure for PReLU<N> {
    type Config = PReLUConfig;
    const DEFAULT: PReLUConfig = PReLUConfig { init: 0.25 };

    /// Sets `init`, which the default initialization fills the weight with (a zeroed layer
    /// stays zero until it is initialized).
    fn configure(&mut self, config: &PReLUConfig) {
        if settings::prelu_init(config.init).is_ok() {
            self.init = config.init as f32;
        }
    }
}
