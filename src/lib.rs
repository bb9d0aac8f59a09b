#![doc = include_str!("../README.md")]

pub use init_core::*;
#[doc = include_str!("../docs/derive.md")]
pub use init_derive::Module;

/// The names most programs need: `use init::prelude::*;`.
pub mod prelude {
    pub use init_core::{
        AdaptiveAvgPool1d, AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, AvgPool3d, BatchNorm1d,
        BatchNorm2d, BatchNorm3d, Bilinear, Bits, Buffer, Conv1D, Conv1d, Conv2d, Conv3d,
        ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, Dist, Dropout, Embedding, FanAxes,
        FanMode, Flatten, Forward, GELU, GRU, Generator, GroupNorm, Identity, Init, InitError,
        InstanceNorm1d, InstanceNorm2d, LSTM, LayerKind, LayerNorm, LeakyReLU, Linear, LogSoftmax,
        MaxPool1d, MaxPool2d, MaxPool3d, Module, ModuleExt, ModuleList, MultiheadAttention,
        Nonlinearity, PReLU, Padding, PaddingMode, Param, ParamMut, RMSNorm, ReLU, Rule, Rules,
        ScalingDistribution, Seed, Sequential, SiLU, Sigmoid, Softmax, Summary, Tanh,
        TorchGenerator, TorchLoop, TransformerDecoderLayer, TransformerEncoderLayer, Upsample,
        Values, Zeroed,
    };
    pub use init_derive::Module;
}

/// Helpers for the code `#[derive(Module)]` writes; not a public API.
#[doc(hidden)]
pub mod __private {
    /// The rules on layers' runtime settings (`eps`, `momentum`, ...), as `const fn`s.
    pub use init_core::spec::settings;
    pub use init_core::spec::{
        Configure, Elements, Field, FilledLater, LayerSpec, Link, Msg, NotAModule, ParamSpec,
        ParamTable, Repeated, Setting, SettingFallback, bare_buffer, bare_param, build_or_error,
        chain_in, chain_out, check_args, check_bare, check_config, check_link, check_param,
        check_recipe, check_tie, math, require_module, reset_buffer, reset_param,
    };

    /// The `Init` of a `values = [...]` attribute; the derive has checked that `data` has
    /// `shape`'s number of finite elements.
    pub fn values(shape: &[usize], data: &[f32]) -> init_core::Init {
        let values = init_core::Values::new(shape.to_vec(), data.to_vec());
        init_core::Init::Values(
            values.expect("#[derive(Module)] writes values that match their shape"),
        )
    }

    /// A field's forward result, its error's path under the field's name (`fc`, `0.weight`),
    /// as `Sequential` names a failing layer by its index.
    pub fn forward_at<T>(
        name: &str,
        result: Result<T, init_core::InitError>,
    ) -> Result<T, init_core::InitError> {
        result.map_err(|e| {
            let path =
                if e.path().is_empty() { name.to_string() } else { format!("{name}.{}", e.path()) };
            e.at(path)
        })
    }
}
