//! The init report's command line: [`report_cli`] for a user's binary, over their model
//! type (a weights file alone does not say the architecture).

use std::io::Write;
use std::process::ExitCode;

use super::{Declared, report};
use crate::error::{ErrorKind, InitError, Result};
use crate::model::ModuleExt;
use crate::module::{Forward, Module, Zeroed};
use crate::rng::Seed;
use crate::safetensors;
use crate::state::Tensor;

/// The usage text of [`report_cli`].
///
/// ```
/// assert!(init_core::REPORT_USAGE.starts_with("usage: <program> --weights MODEL --input INPUT"));
/// ```
pub const REPORT_USAGE: &str = "\
usage: <program> --weights MODEL --input INPUT [--input-key KEY] [--svg OUT.svg]

Runs one forward pass of the model on the input and prints the init report: per layer in
forward order the output's mean, std, zeros, min and max, each parameter's std against the
std the model's declared initialization intends for it, and the classic failures in words.

  --weights MODEL    the model's weights: a safetensors file (.safetensors), or a PyTorch
                     file (.pt, .pth, .bin) holding a state dict; loaded strictly
  --input INPUT      a safetensors file holding the input batch (float)
  --input-key KEY    the input's key in INPUT (default: the file's only tensor)
  --svg OUT.svg      also write the plot of std against depth (needs the `plot` feature)
  -h, --help         print this text";

fn usage(rule: impl Into<String>) -> InitError {
    let rule = format!("{}\n\n{REPORT_USAGE}", rule.into());
    InitError::new("", ErrorKind::Report { rule })
}

fn report_error(rule: String) -> InitError {
    InitError::new("", ErrorKind::Report { rule })
}

/// The command line, parsed.
#[derive(Debug, Default)]
struct Args {
    weights: Option<String>,
    input: Option<String>,
    input_key: Option<String>,
    svg: Option<String>,
    help: bool,
}

fn parse(args: &[String]) -> Result<Args> {
    let mut out = Args::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let slot = match flag {
            "-h" | "--help" => {
                out.help = true;
                continue;
            }
            "--weights" => &mut out.weights,
            "--input" => &mut out.input,
            "--input-key" => &mut out.input_key,
            "--svg" => &mut out.svg,
            other if other.starts_with('-') => {
                return Err(usage(format!("unknown option {other}")));
            }
            other => return Err(usage(format!("unexpected argument `{other}`"))),
        };
        let value = match inline {
            Some(v) => v,
            None => it.next().cloned().ok_or_else(|| usage(format!("{flag} needs a value")))?,
        };
        if slot.replace(value).is_some() {
            return Err(usage(format!("{flag} given twice")));
        }
    }
    Ok(out)
}

/// The init report's command line for the model type `M`: reads the process's arguments
/// (see [`REPORT_USAGE`]), loads the weights into `M::zeroed()` (strictly: every key of the
/// model, with its shape), reads the input batch, prints the report on stdout and, with
/// `--svg`, writes the depth plot. Every failure (a missing file, a key not found, a shape
/// the model refuses, an unknown option) is one message on stderr naming the file, key or
/// option and the rule, and exit status 1 (2 for a usage error); never a panic.
///
/// A user's binary is one line:
///
/// ```no_run
/// type Mlp = init_core::Linear<784, 10>; // the model's type: a derived struct, a layer
/// fn main() -> std::process::ExitCode {
///     init_core::report_cli::<Mlp>()
/// }
/// ```
pub fn report_cli<M: Module + Forward + Zeroed>() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut stdout = std::io::stdout().lock();
    match report_cli_args::<M>(&args, &mut stdout) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            let is_usage = e.to_string().contains(REPORT_USAGE);
            ExitCode::from(if is_usage { 2 } else { 1 })
        }
    }
}

/// [`report_cli`] on given arguments (without the program name), writing the report to
/// `out`: what the command does, callable from tests and other front ends.
///
/// ```
/// use init_core::{Linear, ModuleExt, Seed, StateDict, Tensor, report_cli_args, safetensors};
/// let dir = std::env::temp_dir().join(format!("init-report-cli-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let (weights, input) = (dir.join("model.safetensors"), dir.join("input.safetensors"));
/// Linear::<4, 2>::new(&mut Seed::new(0))?.save_safetensors(&weights)?;
/// let mut sd = StateDict::new();
/// sd.insert("x", Tensor::from(ndarray::ArrayD::<f32>::ones(vec![3, 4])))?;
/// safetensors::save(&sd, &input)?;
/// let args: Vec<String> = ["--weights", weights.to_str().unwrap(), "--input", input.to_str().unwrap()]
///     .map(String::from).to_vec();
/// let mut out = Vec::new();
/// report_cli_args::<Linear<4, 2>>(&args, &mut out)?;
/// assert!(String::from_utf8(out).unwrap().contains("(root)"));
/// let wrong: Vec<String> = ["--weights", weights.to_str().unwrap(), "--input", input.to_str().unwrap()]
///     .map(String::from).to_vec();
/// let err = report_cli_args::<Linear<5, 2>>(&wrong, &mut Vec::new()).unwrap_err();
/// assert!(err.to_string().contains("size mismatch for weight"), "{err}");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), init_core::InitError>(())
/// ```
pub fn report_cli_args<M: Module + Forward + Zeroed>(
    args: &[String],
    out: &mut dyn Write,
) -> Result<()> {
    let args = parse(args)?;
    let write_err = |e: std::io::Error| report_error(format!("cannot write the report: {e}"));
    if args.help {
        return writeln!(out, "{REPORT_USAGE}").map_err(write_err);
    }
    let weights = args.weights.ok_or_else(|| usage("--weights is required"))?;
    let input = args.input.ok_or_else(|| usage("--input is required"))?;
    if args.svg.is_some() && !cfg!(feature = "plot") {
        return Err(usage(
            "--svg needs the `plot` feature (build with `--features init/plot` or `--features plot`)",
        ));
    }
    let mut net = M::zeroed();
    let is_pytorch = [".pt", ".pth", ".bin"].iter().any(|e| weights.ends_with(e));
    let loaded =
        if is_pytorch { net.load_pytorch(&weights) } else { net.load_safetensors(&weights) };
    // A strict load's refusal names keys; the file is added so every message names it.
    loaded.map_err(|e| if e.file().is_some() { e } else { e.in_file(&weights) })?;
    let (key, x) = read_input(&input, args.input_key.as_deref())?;
    let r = report(&net, &x).map_err(|e| {
        report_error(format!(
            "{input}: the forward pass on `{key}` (shape {:?}) failed: {e}",
            x.shape()
        ))
    })?;
    let r = r.with_declared(&declared::<M>()?);
    writeln!(out, "{r}").map_err(write_err)?;
    if let Some(svg) = args.svg {
        write_svg(&r, &weights, &svg)?;
        writeln!(out, "wrote {svg}").map_err(write_err)?;
    }
    Ok(())
}

/// What the model's declared initialization (its rules, else the layers' PyTorch defaults)
/// intends for each parameter: the intended std and the rule, by path. Loaded values have
/// no intended std of their own; the report compares them with these.
fn declared<M: Module + Zeroed>() -> Result<Vec<Declared>> {
    let mut fresh = M::zeroed();
    fresh.init_weights(&mut Seed::new(0))?;
    Ok(fresh
        .named_parameters()
        .into_iter()
        .map(|(path, p)| Declared {
            path,
            std: p.intended_std(),
            rule: p.origin().map(str::to_string),
        })
        .collect())
}

/// The input batch: the tensor `key`, or the file's only tensor.
fn read_input(path: &str, key: Option<&str>) -> Result<(String, ndarray::ArrayD<f32>)> {
    let state = safetensors::load(path)?.state;
    let key = match key {
        Some(k) => k.to_string(),
        None => {
            let keys: Vec<&str> = state.keys().collect();
            match keys.as_slice() {
                [only] => only.to_string(),
                [] => return Err(report_error(format!("{path}: the file holds no tensor"))),
                many => {
                    return Err(usage(format!(
                        "{path} holds {} tensors ({}): choose one with --input-key",
                        many.len(),
                        many.join(", ")
                    )));
                }
            }
        }
    };
    let Some(tensor) = state.get(&key) else {
        let keys: Vec<&str> = state.keys().collect();
        return Err(report_error(format!(
            "{path}: no tensor `{key}` (the file holds: {})",
            keys.join(", ")
        )));
    };
    match tensor {
        Tensor::F32(a) => Ok((key, a.clone())),
        Tensor::I64(_) => Err(report_error(format!(
            "{path}: `{key}` holds integers; the report's forward pass takes a float input"
        ))),
    }
}

#[cfg(feature = "plot")]
fn write_svg(r: &super::Report, weights: &str, svg: &str) -> Result<()> {
    use super::Comparison;
    let name =
        std::path::Path::new(weights).file_name().map_or(weights.into(), |n| n.to_string_lossy());
    let cmp = Comparison::from_reports(vec![(name.to_string(), r.clone())]);
    cmp.write_svg(svg, &format!("{name}: std of each layer's output"))
}

#[cfg(not(feature = "plot"))]
fn write_svg(_: &super::Report, _: &str, _: &str) -> Result<()> {
    Ok(()) // refused with a usage error before anything is read
}
