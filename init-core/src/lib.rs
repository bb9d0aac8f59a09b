//! Runtime of the [`init`](https://docs.rs/init) crate: [`Param`] and [`Buffer`], every
//! initialization scheme of PyTorch's `torch.nn.init` (and the Keras/Flax ones PyTorch lacks),
//! and the generators that feed them.
//!
//! Users depend on `init`, which re-exports everything here.

mod check;
mod checkpoint;
mod diagnose;
mod dtype;
mod error;
mod kernels;
mod layers;
mod math;
mod model;
mod module;
mod mup;
mod param;
mod pytorch;
mod recipes;
mod report;
mod rng;
mod rules;
pub mod safetensors;
mod schemes;
// For the code `#[derive(Module)]` writes, through `init::__private`; not a public API.
#[doc(hidden)]
pub mod spec;
mod state;

// Every public item has one home: the crate root (and `safetensors` for the file functions).
// The lists are explicit, so a new public item is a reviewed line here and in
// docs/public-api/.
pub use checkpoint::{
    Checkpoint, DEFAULT_MAX_SHARD_SIZE, Entry, FloatDtype, INDEX_FILE, Plan, Rank, SINGLE_FILE,
    Shard, Source, TensorParallel, WriteReport, split_range,
};
#[cfg(feature = "plot")]
pub use diagnose::LOG_SCALE_RATIO;
pub use diagnose::{
    Candidate, Comparison, DEAD_UNITS, DEPTH_RATIO, Flag, FlagKind, GROUPED, LayerRow, LsuvConfig,
    LsuvLayer, LsuvReport, MIN_NUMEL, PARAM_STD_OFF, ParamRow, RELU_ZEROS, REPORT_USAGE, Report,
    SATURATED_FRACTION, Series, compare, lsuv, report, report_cli, report_cli_args, report_with,
};
pub use error::{ErrorKind, FileError, InitError, Result};
pub use layers::{
    AdaptiveAvgPool1d, AdaptiveAvgPool2d, AttendOptions, AttnMask, AvgPool1d, AvgPool2d, AvgPool3d,
    BatchNorm1d, BatchNorm2d, BatchNorm3d, Bilinear, Conv1D, Conv1d, Conv2d, Conv3d,
    ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, DecoderMasks, Dropout, Embedding,
    EncoderMasks, Flatten, GELU, GRU, GeluApproximate, GroupNorm, Identity, InstanceNorm1d,
    InstanceNorm2d, LSTM, LayerNorm, LeakyReLU, Linear, LogSoftmax, MaxPool1d, MaxPool2d,
    MaxPool3d, ModuleList, MultiheadAttention, PReLU, Padding, RMSNorm, ReLU, Sequential, SiLU,
    Sigmoid, Softmax, Tanh, TransformerDecoderLayer, TransformerEncoderLayer, Upsample,
    UpsampleMode,
};
pub use layers::{
    AvgPool1dConfig, AvgPoolConfig, ChannelNormConfig, ConvConfig, ConvTransposeConfig,
    DropoutConfig, EmbeddingConfig, FlattenConfig, GELUConfig, GRUConfig, GroupNormConfig,
    LSTMConfig, LayerNormConfig, LeakyReLUConfig, MaxPoolConfig, MultiheadAttentionConfig,
    PReLUConfig, PaddingSetting, PerAxis, RMSNormConfig, SoftmaxConfig, TransformerLayerConfig,
    UpsampleConfig,
};
pub use model::ModuleExt;
pub use module::{
    AsModule, Features, Forward, ForwardModule, LayerKind, Module, ModuleMut, Summary, SummaryRow,
    Tie, Visitor, VisitorMut, Width, Zeroed,
};
pub use mup::{BaseShapes, InfDim, InfShape, InfShapes, LrRow, LrTable, Mup};
pub use param::{Buffer, BufferData, BufferMut, Param, ParamMut, ParamSlot, ParamTarget};
pub use pytorch::{load_pytorch, load_pytorch_key, pytorch_from_bytes};
pub use recipes::{
    DeepNet, DeepNetArch, Fixup, FixupBlock, Gpt2Residual, Recipe, ResNetBlock, TFixup, TimmVit,
    Torchtitan, TorchvisionResNet, ZerO, hadamard,
};
pub use rng::{Bits, Dist, Generator, Seed, SeedStream, TorchGenerator, TruncNormalAlgorithm};
pub use rules::{Rule, Rules, Target, TorchLoop};
pub use schemes::{
    Constant, Dirac, Eye, FanAxes, FanMode, Fans, Init, Kaiming, Lecun, Nonlinearity, Normal,
    Orthogonal, ScalingDistribution, Sparse, TruncNormal, Uniform, Values, VarianceScaling, Xavier,
    calculate_gain, constant, delta_orthogonal, dirac, eye, kaiming_normal, kaiming_uniform,
    lecun_normal, lecun_uniform, normal, ones, orthogonal, sparse, trunc_normal, uniform,
    variance_scaling, xavier_normal, xavier_uniform, zeros,
};
pub use spec::PaddingMode;
pub use state::{Dtype, LoadReport, Mismatch, StateDict, StateDictIntoIter, Tensor};

/// The `ndarray` crate this one is built on, so users need no version of their own.
pub use ndarray;
/// The `rand_core` crate whose `Rng` trait the generators implement.
pub use rand_core;
