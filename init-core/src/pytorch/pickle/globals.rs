//! The allow-list: the globals a pickle may name, a subset of what
//! `torch.load(weights_only=True)` accepts. Anything else is an error naming it; nothing is
//! ever imported or called.

use super::value::{Global, StorageDtype};

/// Storage types other than the six read, named so that a tensor using one gets an error
/// about its dtype rather than about a global.
const OTHER_STORAGES: [&str; 10] = [
    "IntStorage",
    "ShortStorage",
    "CharStorage",
    "ByteStorage",
    "ComplexFloatStorage",
    "ComplexDoubleStorage",
    "QInt8Storage",
    "QUInt8Storage",
    "QInt32Storage",
    "UntypedStorage",
];

/// The `torch.<dtype>` names `torch.save` writes for dtype values.
const DTYPES: [&str; 16] = [
    "float32",
    "float64",
    "float16",
    "bfloat16",
    "int64",
    "int32",
    "int16",
    "int8",
    "uint8",
    "bool",
    "complex64",
    "complex128",
    "float",
    "double",
    "half",
    "long",
];

/// The allowed global `module.name`, or `None`.
pub(super) fn lookup(module: &str, name: &str) -> Option<Global> {
    match (module, name) {
        ("collections", "OrderedDict") => Some(Global::OrderedDict),
        ("torch._utils", "_rebuild_tensor_v2") => Some(Global::RebuildTensorV2),
        ("torch._utils", "_rebuild_parameter") => Some(Global::RebuildParameter),
        ("torch", name) => storage(name)
            .map(Global::Storage)
            .or_else(|| DTYPES.iter().find(|d| **d == name).map(|d| Global::Dtype(d))),
        _ => None,
    }
}

fn storage(name: &str) -> Option<StorageDtype> {
    Some(match name {
        "FloatStorage" => StorageDtype::Float,
        "DoubleStorage" => StorageDtype::Double,
        "HalfStorage" => StorageDtype::Half,
        "BFloat16Storage" => StorageDtype::BFloat16,
        "LongStorage" => StorageDtype::Long,
        "BoolStorage" => StorageDtype::Bool,
        _ => return OTHER_STORAGES.iter().find(|s| **s == name).map(|s| StorageDtype::Other(s)),
    })
}
