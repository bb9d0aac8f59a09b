//! The command line: `init-ckpt --config config.json --seed 0 --dtype bf16 --out DIR
//! [--max-shard-size 5GB] [--rank R --world-size N] [--quiet]`.

use std::ffi::OsString;
use std::path::PathBuf;

use init_core::{FloatDtype, Rank};

use crate::size::parse_size;

/// What `init-ckpt` was asked to do.
///
/// ```
/// use init_ckpt::{Args, Command};
/// use init_core::FloatDtype;
///
/// let Command::Run(a) = Args::parse(["--config", "c.json", "--out", "ckpt", "--dtype", "bf16"])?
/// else { unreachable!() };
/// assert_eq!((a.seed, a.dtype, a.max_shard_size), (0, FloatDtype::BF16, 5_000_000_000));
/// assert_eq!(a.rank, None); // taken from the launcher's environment
/// # Ok::<(), String>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// `--config`: the Hugging Face `config.json`.
    pub config: PathBuf,
    /// `--out`: the output directory (created if missing).
    pub out: PathBuf,
    /// `--seed` (0).
    pub seed: u64,
    /// `--dtype` (`f32`); bf16 and f16 are the f32 values rounded to nearest even.
    pub dtype: FloatDtype,
    /// `--max-shard-size` in bytes (`5GB`, as `save_pretrained`).
    pub max_shard_size: u64,
    /// `--rank R --world-size N`, both or neither; `None`: from the launcher's environment.
    pub rank: Option<Rank>,
    /// `--wait-for-all SECS`: with more than one rank, rank 0 writes the index only once
    /// every shard is in the directory, waiting at most this long (3600 s); 0 writes it
    /// without waiting (ranks that do not share the directory).
    pub wait_for_all: u64,
    /// `--quiet`: no progress bar and no summary.
    pub quiet: bool,
}

/// A parsed command line: a run, or a request for help or the version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Write a checkpoint.
    Run(Args),
    /// `--help` / `-h`.
    Help,
    /// `--version` / `-V`.
    Version,
}

/// The usage text of `--help`.
pub const USAGE: &str = "\
init-ckpt: write the initial checkpoint of a Hugging Face model from its config.json,
streamed and sharded, with Hugging Face's init rules and init's counter-based generator.

Usage: init-ckpt --config CONFIG.json --out DIR [options]

Options:
  --config PATH            config.json of a supported model_type (gpt2, llama)
  --out DIR                output directory (created if missing); rank 0 writes config.json there,
                           its dtype key set to --dtype
  --seed N                 seed of the generator [default: 0]
  --dtype f32|bf16|f16     dtype of the tensors [default: f32]
  --max-shard-size SIZE    largest shard, as save_pretrained (5GB, 500MB, 2GiB, bytes) [default: 5GB]
  --rank R --world-size N  this process writes its share of the shards; without them the rank
                           comes from torchrun, Slurm, Open MPI or MPICH, else 0 of 1
  --wait-for-all SECS      with several ranks, rank 0 writes the index and config.json once every
                           shard is in DIR, waiting at most SECS [default: 3600]; 0: no wait
                           (for ranks that do not share DIR)
  --quiet                  no progress bar (drawn on a terminal, by rank 0) and no summary
  -h, --help               this text
  -V, --version            the version
";

const OPTIONS: [&str; 10] = [
    "--config",
    "--out",
    "--seed",
    "--dtype",
    "--max-shard-size",
    "--rank",
    "--world-size",
    "--quiet",
    "--help",
    "--version",
];

impl Args {
    /// Parses the arguments after the program name. Errors name the option.
    pub fn parse<I, S>(args: I) -> Result<Command, String>
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        let mut p = Partial::default();
        let mut it = args.into_iter().map(Into::into);
        while let Some(raw) = it.next() {
            let raw =
                raw.into_string().map_err(|a| format!("argument {a:?} is not valid UTF-8"))?;
            let (name, inline) = match raw.split_once('=') {
                Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
                _ => (raw.clone(), None),
            };
            match name.as_str() {
                "-h" | "--help" => return Ok(Command::Help),
                "-V" | "--version" => return Ok(Command::Version),
                "--quiet" | "-q" => p.quiet = true,
                "--config" | "--out" | "--seed" | "--dtype" | "--max-shard-size" | "--rank"
                | "--world-size" | "--wait-for-all" => {
                    let value = match inline {
                        Some(v) => v,
                        None => it
                            .next()
                            .and_then(|v| v.into_string().ok())
                            .filter(|v| !v.starts_with("--"))
                            .ok_or_else(|| format!("{name} needs a value"))?,
                    };
                    p.set(&name, value)?;
                }
                _ => return Err(unknown_option(&name)),
            }
        }
        p.finish().map(Command::Run)
    }
}

#[derive(Default)]
struct Partial {
    config: Option<PathBuf>,
    out: Option<PathBuf>,
    seed: Option<u64>,
    dtype: Option<FloatDtype>,
    max_shard_size: Option<u64>,
    rank: Option<usize>,
    world_size: Option<usize>,
    wait_for_all: Option<u64>,
    quiet: bool,
}

impl Partial {
    fn set(&mut self, name: &str, v: String) -> Result<(), String> {
        let twice = || format!("{name} given twice");
        let count = |v: &str| {
            v.parse::<usize>()
                .map_err(|_| format!("{name}: expected a non-negative integer, found {v:?}"))
        };
        match name {
            "--config" => replace(&mut self.config, PathBuf::from(v)).map_err(|_| twice()),
            "--out" => replace(&mut self.out, PathBuf::from(v)).map_err(|_| twice()),
            "--seed" => {
                let s = v.parse::<u64>().map_err(|_| {
                    format!("--seed: expected an integer from 0 to 2^64 - 1, found {v:?}")
                })?;
                replace(&mut self.seed, s).map_err(|_| twice())
            }
            "--dtype" => replace(&mut self.dtype, dtype(&v)?).map_err(|_| twice()),
            "--max-shard-size" => {
                let s = parse_size(&v).map_err(|e| format!("--max-shard-size: {e}"))?;
                replace(&mut self.max_shard_size, s).map_err(|_| twice())
            }
            "--rank" => replace(&mut self.rank, count(&v)?).map_err(|_| twice()),
            "--wait-for-all" => {
                let s = v
                    .parse::<u64>()
                    .map_err(|_| format!("{name}: expected a number of seconds, found {v:?}"))?;
                replace(&mut self.wait_for_all, s).map_err(|_| twice())
            }
            _ => replace(&mut self.world_size, count(&v)?).map_err(|_| twice()),
        }
    }

    fn finish(self) -> Result<Args, String> {
        let rank = match (self.rank, self.world_size) {
            (None, None) => None,
            (Some(_), None) => return Err("--rank needs --world-size".into()),
            (None, Some(_)) => return Err("--world-size needs --rank".into()),
            (Some(_), Some(0)) => return Err("--world-size must be at least 1".into()),
            (Some(r), Some(n)) if r >= n => {
                return Err(format!("--rank {r} is not below --world-size {n}"));
            }
            (Some(r), Some(n)) => Some(Rank::new(r, n).map_err(|e| e.to_string())?),
        };
        Ok(Args {
            config: self.config.ok_or("missing --config (the model's config.json)")?,
            out: self.out.ok_or("missing --out (the output directory)")?,
            seed: self.seed.unwrap_or(0),
            dtype: self.dtype.unwrap_or(FloatDtype::F32),
            max_shard_size: self.max_shard_size.unwrap_or(5_000_000_000),
            rank,
            wait_for_all: self.wait_for_all.unwrap_or(3600),
            quiet: self.quiet,
        })
    }
}

fn replace<T>(slot: &mut Option<T>, v: T) -> Result<(), ()> {
    if slot.is_some() {
        return Err(());
    }
    *slot = Some(v);
    Ok(())
}

fn dtype(v: &str) -> Result<FloatDtype, String> {
    v.parse().map_err(|_| format!("--dtype: expected f32, bf16 or f16, found {v:?}"))
}

fn unknown_option(name: &str) -> String {
    if !name.starts_with('-') {
        return format!(
            "unexpected argument {name:?}: every value follows its option (--config {name}?); see --help"
        );
    }
    match crate::config::closest(name, OPTIONS) {
        Some(s) => format!("unknown option {name:?} (did you mean {s}?); see --help"),
        None => format!("unknown option {name:?}; see --help"),
    }
}

#[cfg(test)]
mod tests;
