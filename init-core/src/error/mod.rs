//! The one error type of `init-core`: [`InitError`], what went wrong ([`ErrorKind`]), and
//! for files, [`FileError`] (in `file.rs`).
//!
//! Errors import no state dict: the report a failed strict load carries, and the dtypes it
//! names, are leaves below both (`crate::report`, `crate::dtype`).

mod file;

use std::fmt;
use std::path::{Path, PathBuf};

pub use file::FileError;

use crate::report::LoadReport;

/// An error from initializing, copying or checking a parameter, or from reading or writing a
/// file.
///
/// Its message names the file (when there is one), the parameter path (when there is one)
/// and the rule that was broken:
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
/// assert_eq!(e.file(), None);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct InitError {
    path: String,
    // Boxed, one word instead of a `PathBuf`'s three: most errors have no file, and clippy's
    // `result_large_err` wants an error under 128 bytes (120 with the box).
    file: Option<Box<PathBuf>>,
    kind: ErrorKind,
}

impl InitError {
    /// An error about the parameter (or state-dict key) at `path`, `""` when there is none.
    pub fn new(path: impl Into<String>, kind: ErrorKind) -> Self {
        InitError { path: path.into(), file: None, kind }
    }

    /// The dotted path of the parameter or state-dict key the error is about, `""` when it
    /// has none. Never a file's path (that is [`file`](InitError::file)): for an
    /// [`ErrorKind::File`] error it is the key of the one tensor the error is about
    /// ([`FileError::key`]), or `""` when it is about the file as a whole or about two
    /// tensors.
    ///
    /// ```
    /// use init_core::{FileError, InitError};
    /// let e = InitError::from(FileError::ReversedOffsets { key: "w".into(), start: 8, end: 4 })
    ///     .in_file("m.safetensors");
    /// assert_eq!(e.path(), "w");
    /// assert_eq!(e.to_string(), "m.safetensors: tensor `w`: data_offsets [8, 4] end before they start");
    /// assert_eq!(InitError::from(FileError::Empty).path(), "");
    /// ```
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The path of the file being read or written, `None` for an error that involves no
    /// file (bytes in memory are no file).
    ///
    /// ```
    /// use init_core::safetensors::load;
    /// use std::path::Path;
    /// let err = load("no/such/file.safetensors").unwrap_err();
    /// assert_eq!(err.file(), Some(Path::new("no/such/file.safetensors")));
    /// assert_eq!(err.path(), "");
    /// ```
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref().map(PathBuf::as_path)
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The same error placed at another path (used when a module tree adds its prefix).
    ///
    /// ```
    /// use init_core::{ErrorKind, InitError};
    /// let e = InitError::new("weight", ErrorKind::DuplicateKey).at("fc.weight");
    /// assert_eq!(e.path(), "fc.weight");
    /// ```
    #[must_use]
    pub fn at(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// The same error, about the file at `file`.
    ///
    /// ```
    /// use init_core::{FileError, InitError};
    /// let e = InitError::from(FileError::NotFound).in_file("m.safetensors");
    /// assert_eq!(e.file().unwrap().to_str(), Some("m.safetensors"));
    /// assert_eq!(e.to_string(), "m.safetensors: no such file");
    /// ```
    #[must_use]
    pub fn in_file(mut self, file: impl Into<PathBuf>) -> Self {
        self.file = Some(Box::new(file.into()));
        self
    }
}

/// `file: path: rule`, each part present only when there is one; the path is left out where
/// the rule names it already (a [`FileError`] about one tensor says which).
impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = self.file().filter(|p| !p.as_os_str().is_empty()) {
            write!(f, "{}: ", file.display())?;
        }
        let named = matches!(&self.kind, ErrorKind::File(e) if e.key() == Some(self.path.as_str()));
        if !self.path.is_empty() && !named {
            write!(f, "{}: ", self.path)?;
        }
        write!(f, "{}", self.kind)
    }
}

impl std::error::Error for InitError {}

/// A [`FileError`] about no file (bytes in memory), at the key of the tensor it is about, if
/// it is about one; [`in_file`](InitError::in_file) adds the file.
impl From<FileError> for InitError {
    fn from(e: FileError) -> Self {
        let path = e.key().unwrap_or_default().to_string();
        InitError::new(path, ErrorKind::File(e))
    }
}

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
    /// [`lsuv`](crate::lsuv) could not bring a layer's output variance to its target (an
    /// output of variance 0 or not finite, or the iteration cap reached), or was given
    /// settings it cannot use; the error's path is the layer's.
    #[error("LSUV: {rule}")]
    Lsuv {
        /// What went wrong, with the variance reached.
        rule: String,
    },
    /// The init report's plot or command line could not do what was asked (a tensor missing
    /// from the input file, an option without its value, a plot that cannot be drawn).
    #[error("{rule}")]
    Report {
        /// What is wrong, naming the file, key or option.
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
        report: Box<LoadReport>,
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
    /// A tied parameter (`#[module(tie(...))]`, [`Tie`](crate::Tie)) whose two paths cannot
    /// be one parameter: a state dict holds different values under them, or the target is
    /// not a parameter of the tree or has another shape. The error's path is the alias.
    #[error("tied to {target}: {rule}")]
    Tied {
        /// The path the alias is tied to (`"transformer.wte.weight"`).
        target: String,
        /// What is wrong.
        rule: String,
    },
    /// A checkpoint plan or writer was given something it cannot use: a key that names no
    /// entry, a row out of range, a shard size of 0, a launcher's rank variables that
    /// disagree.
    #[error("{rule}")]
    Checkpoint {
        /// What is wrong, naming the setting or variable.
        rule: String,
    },
    /// A μP rule is broken (see [`Mup`](crate::Mup)): base shapes that do not fit the model,
    /// a scheme μP has no form of, a linear layer with an infinite fan-in and a finite
    /// fan-out that is not declared a readout, learning-rate metadata that does not parse.
    #[error("μP: {rule}")]
    Mup {
        /// What is wrong, naming the module, scheme or key.
        rule: String,
    },
    /// Reading or writing a safetensors file failed, or the file is not a safetensors file
    /// this crate can load; [`InitError::file`] gives the file's path.
    #[error(transparent)]
    File(#[from] FileError),
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
