//! [`LayerKind`]: what kind of layer a module is, whatever its dimensions.

use std::fmt;

/// The kind of a module, independent of its const-generic dimensions: any `Conv2d` is
/// [`LayerKind::Conv2d`]. This is the Rust form of PyTorch's `isinstance(m, nn.Conv2d)`.
///
/// Its [`Display`](fmt::Display) is PyTorch's class name (`"Conv2d"`, `"BatchNorm2d"`); a
/// user's own module is [`LayerKind::Custom`] with its type name.
///
/// ```
/// use init_core::{Conv2d, LayerKind, Module};
/// let conv = Conv2d::<3, 8, 3>::zeroed();
/// assert_eq!(conv.kind(), LayerKind::Conv2d);
/// assert_eq!(conv.kind().to_string(), "Conv2d");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LayerKind {
    /// [`Linear`](crate::Linear).
    Linear,
    /// [`Bilinear`](crate::Bilinear).
    Bilinear,
    /// [`Conv1d`](crate::Conv1d).
    Conv1d,
    /// [`Conv2d`](crate::Conv2d).
    Conv2d,
    /// [`Conv3d`](crate::Conv3d).
    Conv3d,
    /// [`ConvTranspose1d`](crate::ConvTranspose1d).
    ConvTranspose1d,
    /// [`ConvTranspose2d`](crate::ConvTranspose2d).
    ConvTranspose2d,
    /// [`ConvTranspose3d`](crate::ConvTranspose3d).
    ConvTranspose3d,
    /// [`Conv1D`](crate::Conv1D), Hugging Face's transposed-layout linear layer.
    Conv1D,
    /// [`BatchNorm1d`](crate::BatchNorm1d).
    BatchNorm1d,
    /// [`BatchNorm2d`](crate::BatchNorm2d).
    BatchNorm2d,
    /// [`BatchNorm3d`](crate::BatchNorm3d).
    BatchNorm3d,
    /// [`InstanceNorm1d`](crate::InstanceNorm1d).
    InstanceNorm1d,
    /// [`InstanceNorm2d`](crate::InstanceNorm2d).
    InstanceNorm2d,
    /// [`LayerNorm`](crate::LayerNorm).
    LayerNorm,
    /// [`RMSNorm`](crate::RMSNorm).
    RMSNorm,
    /// [`GroupNorm`](crate::GroupNorm).
    GroupNorm,
    /// [`Embedding`](crate::Embedding).
    Embedding,
    /// [`LSTM`](crate::LSTM).
    LSTM,
    /// [`GRU`](crate::GRU).
    GRU,
    /// [`MultiheadAttention`](crate::MultiheadAttention).
    MultiheadAttention,
    /// [`TransformerEncoderLayer`](crate::TransformerEncoderLayer).
    TransformerEncoderLayer,
    /// [`TransformerDecoderLayer`](crate::TransformerDecoderLayer).
    TransformerDecoderLayer,
    /// [`MaxPool1d`](crate::MaxPool1d).
    MaxPool1d,
    /// [`MaxPool2d`](crate::MaxPool2d).
    MaxPool2d,
    /// [`MaxPool3d`](crate::MaxPool3d).
    MaxPool3d,
    /// [`AvgPool1d`](crate::AvgPool1d).
    AvgPool1d,
    /// [`AvgPool2d`](crate::AvgPool2d).
    AvgPool2d,
    /// [`AvgPool3d`](crate::AvgPool3d).
    AvgPool3d,
    /// [`AdaptiveAvgPool1d`](crate::AdaptiveAvgPool1d).
    AdaptiveAvgPool1d,
    /// [`AdaptiveAvgPool2d`](crate::AdaptiveAvgPool2d).
    AdaptiveAvgPool2d,
    /// [`Upsample`](crate::Upsample).
    Upsample,
    /// [`Flatten`](crate::Flatten).
    Flatten,
    /// [`Dropout`](crate::Dropout).
    Dropout,
    /// [`Identity`](crate::Identity).
    Identity,
    /// [`ReLU`](crate::ReLU).
    ReLU,
    /// [`LeakyReLU`](crate::LeakyReLU).
    LeakyReLU,
    /// [`PReLU`](crate::PReLU).
    PReLU,
    /// [`GELU`](crate::GELU).
    GELU,
    /// [`SiLU`](crate::SiLU).
    SiLU,
    /// [`Tanh`](crate::Tanh).
    Tanh,
    /// [`Sigmoid`](crate::Sigmoid).
    Sigmoid,
    /// [`Softmax`](crate::Softmax).
    Softmax,
    /// [`LogSoftmax`](crate::LogSoftmax).
    LogSoftmax,
    /// [`Sequential`](crate::Sequential).
    Sequential,
    /// [`ModuleList`](crate::ModuleList).
    ModuleList,
    /// A module defined outside this crate (a user's network), named by its type.
    Custom(&'static str),
}

impl LayerKind {
    /// Every kind of this crate's layers (all but [`LayerKind::Custom`]), in declaration order.
    ///
    /// ```
    /// use init_core::LayerKind;
    /// assert!(LayerKind::ALL.contains(&LayerKind::Conv2d));
    /// assert!(LayerKind::ALL.iter().all(|k| !matches!(k, LayerKind::Custom(_))));
    /// ```
    pub const ALL: [LayerKind; 46] = {
        use LayerKind::*;
        [
            Linear,
            Bilinear,
            Conv1d,
            Conv2d,
            Conv3d,
            ConvTranspose1d,
            ConvTranspose2d,
            ConvTranspose3d,
            Conv1D,
            BatchNorm1d,
            BatchNorm2d,
            BatchNorm3d,
            InstanceNorm1d,
            InstanceNorm2d,
            LayerNorm,
            RMSNorm,
            GroupNorm,
            Embedding,
            LSTM,
            GRU,
            MultiheadAttention,
            TransformerEncoderLayer,
            TransformerDecoderLayer,
            MaxPool1d,
            MaxPool2d,
            MaxPool3d,
            AvgPool1d,
            AvgPool2d,
            AvgPool3d,
            AdaptiveAvgPool1d,
            AdaptiveAvgPool2d,
            Upsample,
            Flatten,
            Dropout,
            Identity,
            ReLU,
            LeakyReLU,
            PReLU,
            GELU,
            SiLU,
            Tanh,
            Sigmoid,
            Softmax,
            LogSoftmax,
            Sequential,
            ModuleList,
        ]
    };

    /// PyTorch's class name for this kind (the type name for [`LayerKind::Custom`]).
    pub fn name(self) -> &'static str {
        use LayerKind::*;
        match self {
            Linear => "Linear",
            Bilinear => "Bilinear",
            Conv1d => "Conv1d",
            Conv2d => "Conv2d",
            Conv3d => "Conv3d",
            ConvTranspose1d => "ConvTranspose1d",
            ConvTranspose2d => "ConvTranspose2d",
            ConvTranspose3d => "ConvTranspose3d",
            Conv1D => "Conv1D",
            BatchNorm1d => "BatchNorm1d",
            BatchNorm2d => "BatchNorm2d",
            BatchNorm3d => "BatchNorm3d",
            InstanceNorm1d => "InstanceNorm1d",
            InstanceNorm2d => "InstanceNorm2d",
            LayerNorm => "LayerNorm",
            RMSNorm => "RMSNorm",
            GroupNorm => "GroupNorm",
            Embedding => "Embedding",
            LSTM => "LSTM",
            GRU => "GRU",
            MultiheadAttention => "MultiheadAttention",
            TransformerEncoderLayer => "TransformerEncoderLayer",
            TransformerDecoderLayer => "TransformerDecoderLayer",
            MaxPool1d => "MaxPool1d",
            MaxPool2d => "MaxPool2d",
            MaxPool3d => "MaxPool3d",
            AvgPool1d => "AvgPool1d",
            AvgPool2d => "AvgPool2d",
            AvgPool3d => "AvgPool3d",
            AdaptiveAvgPool1d => "AdaptiveAvgPool1d",
            AdaptiveAvgPool2d => "AdaptiveAvgPool2d",
            Upsample => "Upsample",
            Flatten => "Flatten",
            Dropout => "Dropout",
            Identity => "Identity",
            ReLU => "ReLU",
            LeakyReLU => "LeakyReLU",
            PReLU => "PReLU",
            GELU => "GELU",
            SiLU => "SiLU",
            Tanh => "Tanh",
            Sigmoid => "Sigmoid",
            Softmax => "Softmax",
            LogSoftmax => "LogSoftmax",
            Sequential => "Sequential",
            ModuleList => "ModuleList",
            Custom(name) => name,
        }
    }
}

impl fmt::Display for LayerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
