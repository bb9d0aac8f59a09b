//! [`FileError`]: the ways reading or writing a safetensors file, or reading a PyTorch file,
//! goes wrong.

/// What is wrong with a safetensors file, or with reading or writing one: an
/// [`ErrorKind::File`](crate::ErrorKind::File).
///
/// The [`InitError`](crate::InitError) that holds it gives the file's path
/// ([`InitError::file`](crate::InitError::file), `None` for bytes in memory) and, for an error
/// about one tensor, that tensor's key ([`InitError::path`](crate::InitError::path), which
/// [`FileError::key`] also gives). The messages name the tensor themselves.
///
/// ```
/// use init_core::safetensors::from_bytes;
/// use init_core::{ErrorKind, FileError};
/// let mut file = 2u64.to_le_bytes().to_vec();
/// file.extend(b"{");
/// let err = from_bytes(&file).unwrap_err();
/// assert!(matches!(err.kind(), ErrorKind::File(FileError::TruncatedHeader { len: 2, available: 1 })));
/// assert_eq!(err.file(), None);
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// Reading or writing the file failed in the operating system.
    #[error("cannot {op}: {message}")]
    Io {
        /// What was being done, in words ("write the unnamed temporary file in /d").
        op: String,
        /// The I/O error's kind.
        kind: std::io::ErrorKind,
        /// The I/O error's message.
        message: String,
    },
    /// A file to load does not exist.
    #[error("no such file")]
    NotFound,
    /// A path given as a safetensors file is a directory.
    #[error("is a directory, not a safetensors file")]
    IsDirectory,
    /// A path given as a safetensors file is a device, a pipe or a socket.
    #[error("is not a regular file (a device, pipe or socket), not a safetensors file")]
    NotRegularFile,
    /// A path to save to that names no file (`""`, `/`, `..`).
    #[error("is not a path to a file: it has no file name")]
    NotAFilePath,
    /// A file of 0 bytes.
    #[error("empty file: a safetensors file starts with an 8-byte little-endian header length")]
    Empty,
    /// A file shorter than its 8-byte header length.
    #[error(
        "file of {len} bytes is too short: a safetensors file starts with an 8-byte little-endian header length"
    )]
    TooShort {
        /// The file's length in bytes (1 to 7).
        len: u64,
    },
    /// A header length of 2^63 or more: no file is that long.
    #[error("header length {len} is near 2^64 (at least 2^63): no file can hold it")]
    HeaderLengthOverflow {
        /// The header length the file states.
        len: u64,
    },
    /// A header length larger than the whole file.
    #[error("header length {len} is larger than the whole file ({file_len} bytes)")]
    HeaderBeyondFile {
        /// The header length the file states.
        len: u64,
        /// The file's length in bytes.
        file_len: u64,
    },
    /// A header cut short: fewer bytes follow the length prefix than it states.
    #[error(
        "truncated header: its length says {len} bytes, only {available} follow the 8-byte length"
    )]
    TruncatedHeader {
        /// The header length the file states.
        len: u64,
        /// The bytes that follow the 8-byte prefix.
        available: u64,
    },
    /// A header longer than the safetensors format allows.
    #[error("header length {len} is over the {limit}-byte limit of the safetensors format")]
    HeaderTooLarge {
        /// The header length.
        len: u64,
        /// The format's limit (100 000 000 bytes).
        limit: u64,
    },
    /// A header that is not UTF-8 text.
    #[error("header is not valid UTF-8: {reason}")]
    HeaderNotUtf8 {
        /// Where the text goes wrong.
        reason: String,
    },
    /// A header that is not JSON.
    #[error("header is not valid JSON: {reason}")]
    HeaderNotJson {
        /// The JSON parser's message (line and column).
        reason: String,
    },
    /// A header that is JSON but not a safetensors header (a field missing or of the wrong
    /// type, a shape of a fractional number of bytes).
    #[error("invalid header: {rule}")]
    BadHeader {
        /// What is wrong, naming the tensor when there is one.
        rule: String,
    },
    /// A file that is not a PyTorch archive: neither a zip archive (what `torch.save` writes
    /// since PyTorch 1.6) nor a legacy PyTorch file.
    #[error("not a PyTorch file: {reason}")]
    NotPytorch {
        /// What the file is instead, in words.
        reason: String,
    },
    /// A file in the legacy format of `torch.save` (PyTorch before 1.6, or
    /// `_use_new_zipfile_serialization=False`), which is not read.
    #[error(
        "a PyTorch file in the legacy format ({format}), written before PyTorch 1.6 or with _use_new_zipfile_serialization=False, is not read; convert it once with PyTorch: torch.save(torch.load(path, weights_only=True), new_path)"
    )]
    LegacyPytorch {
        /// Which legacy format ("a raw pickle", "a tar archive").
        format: &'static str,
    },
    /// A zip archive that breaks a rule of the zip format or of `torch.save`'s archives.
    #[error("zip archive: {}{rule}", if entry.is_empty() { String::new() } else { format!("entry `{entry}`: ") })]
    Zip {
        /// The entry's name, `""` for the archive as a whole.
        entry: String,
        /// The rule broken.
        rule: String,
    },
    /// A `data.pkl` pickle that the restricted unpickler refuses: an opcode it does not run,
    /// a broken stack, a limit passed.
    #[error("data.pkl, byte {at}: {rule}")]
    Pickle {
        /// The offset of the opcode in the pickle.
        at: u64,
        /// The rule broken.
        rule: String,
    },
    /// A pickle that names a global outside the allow-list (`os.system`, `builtins.eval`):
    /// nothing is imported or called.
    #[error(
        "data.pkl, byte {at}: global `{global}` is not allowed (only collections.OrderedDict, torch._utils._rebuild_tensor_v2 and _rebuild_parameter, torch storages and dtypes are; nothing is imported or run)"
    )]
    ForbiddenGlobal {
        /// The offset of the opcode in the pickle.
        at: u64,
        /// `module.name`, as written.
        global: String,
    },
    /// A tensor of a PyTorch file whose storage or view does not fit: a storage missing from
    /// the archive or of the wrong size, a view outside its storage, a shape that overflows.
    #[error("tensor `{key}`: {rule}")]
    BadTensor {
        /// The tensor's key.
        key: String,
        /// The rule broken.
        rule: String,
    },
    /// A PyTorch file whose pickle holds no state dict where one was looked for.
    #[error("no state dict: {rule}")]
    NoStateDict {
        /// What was found instead.
        rule: String,
    },
    /// Tensors that would take more memory than the file justifies (views repeating their
    /// storage's elements, many keys on one storage).
    #[error(
        "the tensors would take {bytes} bytes, more than the {limit} bytes a file of {file_len} bytes justifies (4 times its size plus 64 MiB)"
    )]
    TooMuchData {
        /// The bytes the tensors would take.
        bytes: u64,
        /// The limit.
        limit: u64,
        /// The file's size.
        file_len: u64,
    },
    /// A tensor name that appears twice in a header.
    #[error("tensor `{key}` appears more than once in the header")]
    DuplicateTensor {
        /// The name.
        key: String,
    },
    /// A dtype that the safetensors format does not define.
    #[error("tensor `{key}`: unknown dtype `{dtype}`")]
    UnknownDtype {
        /// The tensor's name.
        key: String,
        /// The dtype as written in the file.
        dtype: String,
    },
    /// A safetensors dtype that state dicts cannot hold.
    #[error(
        "tensor `{key}`: dtype {dtype} is not supported; F32 and I64 load as they are, F16, BF16 and F64 are converted to F32"
    )]
    UnsupportedDtype {
        /// The tensor's name.
        key: String,
        /// The dtype (`"U8"`).
        dtype: String,
    },
    /// A tensor shape whose element count or byte size overflows.
    #[error("tensor `{key}`: shape {shape:?} has more elements than can be addressed")]
    ShapeOverflow {
        /// The tensor's name.
        key: String,
        /// The shape as written in the file.
        shape: Vec<u64>,
    },
    /// A tensor whose data_offsets span a byte count other than its dtype and shape need.
    #[error(
        "tensor `{key}`: dtype {dtype} and shape {shape:?} need {expected} bytes, its data_offsets [{start}, {end}] hold {got}",
        got = .end - .start
    )]
    ByteCount {
        /// The tensor's name.
        key: String,
        /// The dtype (`"F32"`).
        dtype: &'static str,
        /// The shape.
        shape: Vec<u64>,
        /// Bytes the dtype and shape need.
        expected: u64,
        /// First byte (in the data section).
        start: u64,
        /// One past the last byte (not before `start`).
        end: u64,
    },
    /// Tensor data_offsets whose end comes before their start.
    #[error("tensor `{key}`: data_offsets [{start}, {end}] end before they start")]
    ReversedOffsets {
        /// The tensor's name.
        key: String,
        /// The start offset.
        start: u64,
        /// The end offset.
        end: u64,
    },
    /// Tensor data_offsets that reach past the end of the file.
    #[error(
        "tensor `{key}`: data_offsets [{start}, {end}] reach past the end of the data ({data_len} bytes)"
    )]
    OffsetsOutOfData {
        /// The tensor's name.
        key: String,
        /// The start offset.
        start: u64,
        /// The end offset.
        end: u64,
        /// Bytes of data after the header.
        data_len: u64,
    },
    /// Two tensors whose data_offsets overlap.
    #[error(
        "tensors `{first}` (data_offsets [{first_start}, {first_end}]) and `{second}` (data_offsets [{second_start}, {second_end}]) overlap"
    )]
    OverlappingTensors {
        /// The tensor that starts first.
        first: String,
        /// Its start.
        first_start: u64,
        /// Its end.
        first_end: u64,
        /// The tensor that starts inside it.
        second: String,
        /// Its start.
        second_start: u64,
        /// Its end.
        second_end: u64,
    },
    /// Bytes of the data section that belong to no tensor.
    #[error("bytes {start}..{end} of the data belong to no tensor")]
    UncoveredData {
        /// First byte not covered.
        start: u64,
        /// One past the last.
        end: u64,
    },
    /// A state-dict key that the safetensors format reserves (the error's
    /// [`path`](crate::InitError::path) is the key).
    #[error(
        "the key `__metadata__` is reserved by the safetensors format and cannot name a tensor"
    )]
    ReservedKey,
    /// A `__metadata__` entry given to write that the format or this crate refuses.
    #[error("`__metadata__` entry `{key}`: {rule}")]
    BadMetadata {
        /// The entry's key.
        key: String,
        /// What is wrong.
        rule: String,
    },
}

impl FileError {
    /// The key of the one tensor this error is about, which its message names; `None` for
    /// an error about the file as a whole, or about two tensors
    /// ([`OverlappingTensors`](FileError::OverlappingTensors) names both).
    ///
    /// ```
    /// use init_core::FileError;
    /// let e = FileError::ReversedOffsets { key: "w".into(), start: 8, end: 4 };
    /// assert_eq!(e.key(), Some("w"));
    /// assert_eq!(FileError::Empty.key(), None);
    /// ```
    pub fn key(&self) -> Option<&str> {
        match self {
            FileError::DuplicateTensor { key }
            | FileError::UnknownDtype { key, .. }
            | FileError::UnsupportedDtype { key, .. }
            | FileError::ShapeOverflow { key, .. }
            | FileError::ByteCount { key, .. }
            | FileError::ReversedOffsets { key, .. }
            | FileError::OffsetsOutOfData { key, .. }
            | FileError::BadTensor { key, .. } => Some(key),
            FileError::Io { .. }
            | FileError::NotFound
            | FileError::IsDirectory
            | FileError::NotRegularFile
            | FileError::NotAFilePath
            | FileError::Empty
            | FileError::TooShort { .. }
            | FileError::HeaderLengthOverflow { .. }
            | FileError::HeaderBeyondFile { .. }
            | FileError::TruncatedHeader { .. }
            | FileError::HeaderTooLarge { .. }
            | FileError::HeaderNotUtf8 { .. }
            | FileError::HeaderNotJson { .. }
            | FileError::BadHeader { .. }
            | FileError::OverlappingTensors { .. }
            | FileError::UncoveredData { .. }
            | FileError::ReservedKey
            | FileError::BadMetadata { .. }
            | FileError::NotPytorch { .. }
            | FileError::LegacyPytorch { .. }
            | FileError::Zip { .. }
            | FileError::Pickle { .. }
            | FileError::ForbiddenGlobal { .. }
            | FileError::NoStateDict { .. }
            | FileError::TooMuchData { .. } => None,
        }
    }
}
