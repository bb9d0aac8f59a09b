//! What the restricted unpickler builds: plain values in one arena, addressed by index, so a
//! memo entry fetched a million times is one index copied a million times (no deep copy, no
//! reference-counted tree to drop recursively), and a container that holds itself is no
//! problem for anything that does not walk it (nothing does).

/// The index of a value in the arena.
pub(in crate::pytorch) type Id = u32;

/// A global on the allow-list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::pytorch) enum Global {
    /// `collections.OrderedDict`: called with `()`, it makes an empty dict.
    OrderedDict,
    /// `torch._utils._rebuild_tensor_v2`.
    RebuildTensorV2,
    /// `torch._utils._rebuild_parameter`.
    RebuildParameter,
    /// `torch.<X>Storage`: names a storage's element type in a persistent id.
    Storage(StorageDtype),
    /// `torch.<dtype>`, a value of its own (a checkpoint can hold one); never called.
    Dtype(&'static str),
}

/// The element type of a storage, as `torch.<X>Storage` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::pytorch) enum StorageDtype {
    Float,
    Double,
    Half,
    BFloat16,
    Long,
    Bool,
    /// A storage type PyTorch has but state dicts here cannot hold (`IntStorage`, ...): its
    /// name, refused when a tensor uses it.
    Other(&'static str),
}

impl StorageDtype {
    /// Bytes per element (0 for the types not read).
    pub fn size(self) -> u64 {
        match self {
            StorageDtype::Float => 4,
            StorageDtype::Double | StorageDtype::Long => 8,
            StorageDtype::Half | StorageDtype::BFloat16 => 2,
            StorageDtype::Bool => 1,
            StorageDtype::Other(_) => 0,
        }
    }

    /// The name of `torch.<X>Storage`.
    pub fn name(self) -> &'static str {
        match self {
            StorageDtype::Float => "FloatStorage",
            StorageDtype::Double => "DoubleStorage",
            StorageDtype::Half => "HalfStorage",
            StorageDtype::BFloat16 => "BFloat16Storage",
            StorageDtype::Long => "LongStorage",
            StorageDtype::Bool => "BoolStorage",
            StorageDtype::Other(n) => n,
        }
    }
}

/// A storage named by a persistent id: `('storage', torch.<X>Storage, key, location, numel)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(in crate::pytorch) struct Storage {
    pub dtype: StorageDtype,
    /// Its entry in the archive is `<prefix>/data/<key>`.
    pub key: Box<str>,
    pub numel: u64,
}

/// A tensor as `_rebuild_tensor_v2` describes it: a view into a storage. Only the types are
/// checked when it is made; the view against its storage is checked when it is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(in crate::pytorch) struct TensorRef {
    /// Index into the unpickler's storages.
    pub storage: u32,
    pub offset: u64,
    pub shape: Box<[u64]>,
    pub stride: Box<[u64]>,
}

/// One value.
#[derive(Clone, Debug, PartialEq)]
pub(in crate::pytorch) enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Box<str>),
    Tuple(Box<[Id]>),
    List(Vec<Id>),
    /// A dict or an `OrderedDict`, its items in insertion order (a key set twice is kept
    /// twice here; readers of the dict refuse it).
    Dict(Vec<(Id, Id)>),
    Global(Global),
    /// A storage's persistent id, resolved: an index into the unpickler's storages.
    Storage(u32),
    Tensor(Box<TensorRef>),
}

impl Value {
    /// What it is, in words, for errors.
    pub fn kind(&self) -> String {
        match self {
            Value::None => "None".into(),
            Value::Bool(_) => "a bool".into(),
            Value::Int(i) => format!("the int {i}"),
            Value::Float(_) => "a float".into(),
            Value::Str(_) => "a string".into(),
            Value::Tuple(t) => format!("a tuple of {}", t.len()),
            Value::List(_) => "a list".into(),
            Value::Dict(_) => "a dict".into(),
            Value::Global(g) => format!("the global {}", global_name(*g)),
            Value::Storage(_) => "a storage".into(),
            Value::Tensor(_) => "a tensor".into(),
        }
    }
}

/// `module.name` of an allowed global.
pub(in crate::pytorch) fn global_name(g: Global) -> String {
    match g {
        Global::OrderedDict => "collections.OrderedDict".into(),
        Global::RebuildTensorV2 => "torch._utils._rebuild_tensor_v2".into(),
        Global::RebuildParameter => "torch._utils._rebuild_parameter".into(),
        Global::Storage(d) => format!("torch.{}", d.name()),
        Global::Dtype(n) => format!("torch.{n}"),
    }
}
