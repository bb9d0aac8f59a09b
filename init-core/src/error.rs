//! The one error type of `init-core`.

use std::fmt;

/// An error from initializing, copying or checking a parameter.
///
/// Its message names the parameter path (when there is one) and the rule that was broken:
///
/// ```
/// use init_core::{InitError, ErrorKind};
/// let e = InitError::new("fc.weight", ErrorKind::Rank {
///     scheme: "eye",
///     expected: "exactly 2 dimensions",
///     shape: vec![3, 3, 3],
/// });
/// assert_eq!(
///     e.to_string(),
///     "fc.weight: eye needs a tensor with exactly 2 dimensions, got shape [3, 3, 3]"
/// );
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct InitError {
    path: String,
    kind: ErrorKind,
}

impl InitError {
    /// An error about the parameter at `path` (`""` when the parameter has no name).
    pub fn new(path: impl Into<String>, kind: ErrorKind) -> Self {
        InitError { path: path.into(), kind }
    }

    /// The dotted path of the parameter, `""` when it has none.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The same error placed at another path (used when a module tree adds its prefix).
    #[must_use]
    pub fn at(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.kind)
        } else {
            write!(f, "{}: {}", self.path, self.kind)
        }
    }
}

impl std::error::Error for InitError {}

/// The rule an [`InitError`] reports as broken.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A fan-based scheme was applied to a tensor with fewer than 2 dimensions.
    #[error(
        "{scheme} cannot compute fan_in and fan_out for a tensor with fewer than 2 dimensions, got shape {shape:?}"
    )]
    FanNeeds2D {
        /// The scheme that needed the fans.
        scheme: &'static str,
        /// The tensor's shape.
        shape: Vec<usize>,
    },
    /// A scheme needs a different number of dimensions.
    #[error("{scheme} needs a tensor with {expected}, got shape {shape:?}")]
    Rank {
        /// The scheme.
        scheme: &'static str,
        /// What it needs, in words ("exactly 2 dimensions").
        expected: &'static str,
        /// The tensor's shape.
        shape: Vec<usize>,
    },
    /// An axis given for fan computation is out of range or repeated.
    #[error("{scheme}: axis {axis} is out of range or repeated for shape {shape:?}")]
    BadAxis {
        /// The scheme.
        scheme: &'static str,
        /// The offending axis as given.
        axis: isize,
        /// The tensor's shape.
        shape: Vec<usize>,
    },
    /// An unknown nonlinearity name.
    #[error(
        "unknown nonlinearity `{name}`; expected one of linear, conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d, sigmoid, tanh, relu, leaky_relu, selu"
    )]
    UnknownNonlinearity {
        /// The name as given.
        name: String,
    },
    /// A fan mode that the scheme does not accept.
    #[error("{scheme} does not support mode `{mode}`; expected one of {expected}")]
    UnknownMode {
        /// The scheme.
        scheme: &'static str,
        /// The mode as given.
        mode: String,
        /// The accepted modes, quoted and comma-separated.
        expected: &'static str,
    },
    /// An unknown distribution name for `variance_scaling`.
    #[error(
        "unknown distribution `{name}`; expected one of truncated_normal, normal, untruncated_normal, uniform"
    )]
    UnknownDistribution {
        /// The name as given.
        name: String,
    },
    /// An argument is NaN or infinite.
    #[error("{scheme}: argument `{arg}` must be finite, got {value:?}")]
    NonFinite {
        /// The scheme.
        scheme: &'static str,
        /// The argument's name.
        arg: &'static str,
        /// Its value.
        value: f64,
    },
    /// Arguments whose distribution (a computed standard deviation, bound or width) would
    /// write values beyond `f32::MAX`, that is `inf`.
    #[error("{scheme}: {what} = {value:?} is larger than {limit:?}: values would overflow f32")]
    Overflow {
        /// The scheme.
        scheme: &'static str,
        /// The quantity, with its formula when it is computed (`"std = gain / sqrt(fan)"`).
        what: String,
        /// Its value.
        value: f64,
        /// The largest value for which every value written is a finite `f32`.
        limit: f64,
    },
    /// A lower bound is above its upper bound.
    #[error("{scheme}: needs {lo_name} <= {hi_name}, got {lo_name} = {lo:?} > {hi_name} = {hi:?}")]
    InvalidRange {
        /// The scheme.
        scheme: &'static str,
        /// The lower bound's argument name.
        lo_name: &'static str,
        /// The lower bound.
        lo: f64,
        /// The upper bound's argument name.
        hi_name: &'static str,
        /// The upper bound.
        hi: f64,
    },
    /// An argument is outside the range the scheme accepts.
    #[error("{scheme}: argument `{arg}` must be {rule}, got {value:?}")]
    OutOfRange {
        /// The scheme.
        scheme: &'static str,
        /// The argument's name.
        arg: &'static str,
        /// The rule, in words ("in [0, 1)", ">= 0").
        rule: &'static str,
        /// Its value.
        value: f64,
    },
    /// `dirac` with a group count that does not divide dimension 0.
    #[error("dirac: dim 0 (size {dim0}) must be divisible by groups = {groups}")]
    DiracGroups {
        /// The group count.
        groups: usize,
        /// Size of dimension 0.
        dim0: usize,
    },
    /// `delta_orthogonal` on a kernel with fewer output than input channels.
    #[error(
        "delta_orthogonal needs out_channels >= in_channels (dim 0 >= dim 1), got shape {shape:?}"
    )]
    DeltaOrthogonalChannels {
        /// The tensor's shape.
        shape: Vec<usize>,
    },
    /// Literal values whose shape cannot be broadcast to the parameter's shape.
    #[error("values of shape {values:?} cannot be broadcast to the parameter's shape {param:?}")]
    Broadcast {
        /// The shape of the literal.
        values: Vec<usize>,
        /// The parameter's shape.
        param: Vec<usize>,
    },
    /// Literal values whose length does not match the shape they were said to have.
    #[error("values: {len} numbers cannot have shape {shape:?}")]
    ValuesLen {
        /// The number of values.
        len: usize,
        /// The claimed shape.
        shape: Vec<usize>,
    },
    /// Literal values with more dimensions than [`Values`](crate::Values) accepts.
    #[error("values: {rank} dimensions, more than the {max} accepted")]
    ValuesRank {
        /// The number of dimensions given.
        rank: usize,
        /// The most accepted ([`Values::MAX_RANK`](crate::Values::MAX_RANK)).
        max: usize,
    },
    /// Literal values without numbers whose shape holds more empty lists than
    /// [`Values`](crate::Values) accepts (`[usize::MAX, 0]`).
    #[error("values: shape {shape:?} holds {lists} empty lists, more than the {max} accepted")]
    ValuesEmptyLists {
        /// The shape given.
        shape: Vec<usize>,
        /// The number of empty lists it holds (saturated at `usize::MAX`).
        lists: usize,
        /// The most accepted ([`Values::MAX_EMPTY_LISTS`](crate::Values::MAX_EMPTY_LISTS)).
        max: usize,
    },
    /// A slice was asked of a scheme that needs the whole tensor.
    #[error("{scheme} needs the whole tensor and cannot fill a slice of it alone")]
    NotElementwise {
        /// The scheme.
        scheme: &'static str,
    },
    /// A slice that does not fit in the parameter.
    #[error("slice {start}..{end} is out of bounds for a parameter of {numel} elements")]
    SliceOutOfBounds {
        /// First element of the slice.
        start: usize,
        /// One past its last element.
        end: usize,
        /// Number of elements of the parameter.
        numel: usize,
    },
    /// A shape whose element count (or byte size) does not fit in memory addresses.
    #[error("shape {shape:?} has more elements than can be addressed")]
    TooLarge {
        /// The shape asked for.
        shape: Vec<usize>,
    },
    /// A shape whose memory the allocator refused (an error where `Vec` would abort).
    #[error("shape {shape:?} needs {bytes} bytes, which could not be allocated")]
    OutOfMemory {
        /// The shape asked for.
        shape: Vec<usize>,
        /// The bytes asked of the allocator.
        bytes: usize,
    },
    /// A copy from an array of another shape.
    #[error("shape mismatch: the parameter has shape {expected:?}, the source has shape {got:?}")]
    ShapeMismatch {
        /// The parameter's shape.
        expected: Vec<usize>,
        /// The source's shape.
        got: Vec<usize>,
    },
    /// A forward pass got an input it cannot use (wrong rank or size, an index out of range).
    #[error("{layer}: {rule}")]
    Input {
        /// The layer's kind (`"Linear"`).
        layer: &'static str,
        /// What is wrong, in words that show the input's shape.
        rule: String,
    },
    /// A state dict was given the same key twice.
    #[error("the state dict already holds this key")]
    DuplicateKey,
    /// A layer was configured in a way it cannot work with.
    #[error("{layer}: {rule}")]
    Config {
        /// The layer's kind.
        layer: &'static str,
        /// The rule broken.
        rule: String,
    },
    /// A strict [`load_state_dict`](crate::ModuleExt::load_state_dict) found keys that do not
    /// fit the model. Every missing, unexpected and mismatched key is listed, mismatches with
    /// both shapes, in PyTorch's words; nothing was loaded.
    #[error(
        "Error(s) in loading state_dict for {module} (nothing was loaded):{}",
        .report.problem_lines()
    )]
    LoadStateDict {
        /// The class name of the module loaded into (`"Net"`, `"Sequential"`).
        module: String,
        /// Every problem found; its `loaded` list is empty.
        report: Box<crate::state::LoadReport>,
    },
    /// Runtime [`Rules`](crate::Rules) in which some rule would set no parameter: it
    /// matches none (a typo in a glob or a kind), or every parameter it matches is taken by
    /// another rule. Nothing was written.
    #[error(
        "{} would set no parameter, so nothing was initialized (a rule meant to be optional can say so with Rule::optional):\n\t{}",
        if lines.len() == 1 { "1 rule".to_string() } else { format!("{} rules", lines.len()) },
        lines.join("\n\t")
    )]
    UnusedRules {
        /// One line per such rule: the rule, and why it sets nothing.
        lines: Vec<String>,
    },
    /// A module tree reports two parameters or buffers under one state-dict key (a
    /// hand-written `visit` that repeats a name), so no state dict can address both.
    #[error(
        "the model holds more than one parameter or buffer under this state-dict key, so it cannot be loaded"
    )]
    DuplicateModelKey,
    /// [`set_parameter`](crate::ModuleExt::set_parameter) was given a path that names no
    /// parameter of the model.
    #[error("no parameter at this path; {hint}")]
    NoSuchParameter {
        /// What the path names instead, or the parameters near it.
        hint: String,
    },
    /// Reading or writing a safetensors file failed in the operating system.
    #[error("cannot {op}: {message}")]
    Io {
        /// What was being done, in words ("write the unnamed temporary file in /d").
        op: String,
        /// The I/O error's kind.
        kind: std::io::ErrorKind,
        /// The I/O error's message.
        message: String,
    },
    /// A safetensors file to load does not exist.
    #[error("no such file")]
    FileNotFound,
    /// A path given as a safetensors file is a directory.
    #[error("is a directory, not a safetensors file")]
    IsDirectory,
    /// A path given as a safetensors file is a device, a pipe or a socket.
    #[error("is not a regular file (a device, pipe or socket), not a safetensors file")]
    NotRegularFile,
    /// A path to save to that names no file (`""`, `/`, `..`).
    #[error("is not a path to a file: it has no file name")]
    NotAFilePath,
    /// A safetensors file of 0 bytes.
    #[error("empty file: a safetensors file starts with an 8-byte little-endian header length")]
    EmptyFile,
    /// A safetensors file shorter than its 8-byte header length.
    #[error(
        "file of {len} bytes is too short: a safetensors file starts with an 8-byte little-endian header length"
    )]
    FileTooShort {
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
    /// A header that is JSON but not a safetensors header (a field missing or of the wrong type).
    #[error("invalid header: {rule}")]
    BadHeader {
        /// What is wrong, naming the tensor.
        rule: String,
    },
    /// A tensor name that appears twice in a safetensors header.
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
    /// Bytes of a safetensors data section that belong to no tensor.
    #[error("bytes {start}..{end} of the data belong to no tensor")]
    UncoveredData {
        /// First byte not covered.
        start: u64,
        /// One past the last.
        end: u64,
    },
    /// A file that passes this crate's checks but not the `safetensors` crate's.
    #[error("the safetensors crate rejects the file: {message}")]
    SafetensorsRejected {
        /// The `safetensors` crate's message.
        message: String,
    },
    /// A state dict key that the safetensors format reserves.
    #[error(
        "the key `__metadata__` is reserved by the safetensors format and cannot name a tensor"
    )]
    ReservedKey,
}

impl InitError {
    /// An [`ErrorKind::Input`] error of a layer's forward pass.
    pub fn input(layer: &'static str, rule: impl Into<String>) -> Self {
        InitError::new("", ErrorKind::Input { layer, rule: rule.into() })
    }

    /// An [`ErrorKind::Config`] error of a layer's construction.
    pub fn config(layer: &'static str, rule: impl Into<String>) -> Self {
        InitError::new("", ErrorKind::Config { layer, rule: rule.into() })
    }
}

/// Shorthand for `Result<T, InitError>`.
pub type Result<T, E = InitError> = std::result::Result<T, E>;
