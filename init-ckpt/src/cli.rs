//! The command: arguments, config, layout, then the writer.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use init_core::{Checkpoint, Rank, Source};

use crate::{
    Args, Command, ModelConfig, Progress, USAGE, plan, prepare_dir, progress, write_config,
};

/// Runs `init-ckpt` with the process's arguments; errors go to stderr with exit code 2 (usage)
/// or 1 (everything else).
pub fn main() -> ExitCode {
    let args = match Args::parse(std::env::args_os().skip(1)) {
        Ok(Command::Run(a)) => a,
        Ok(Command::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::Version) => {
            println!("init-ckpt {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("init-ckpt: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("init-ckpt: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    let start = Instant::now();
    let shown = args.config.display();
    let text = std::fs::read_to_string(&args.config)
        .map_err(|e| format!("cannot read config {shown}: {e}"))?;
    let config = ModelConfig::from_json(&text).map_err(|e| format!("{shown}: {e}"))?;
    let plan = plan(&config).map_err(|e| format!("{shown}: {e}"))?;
    let rank = match args.rank {
        Some(r) => r,
        None => Rank::from_env().map_err(|e| e.to_string())?,
    };
    prepare_dir(&args.out)?;
    let ckpt = Checkpoint::new(&plan, args.seed)
        .dtype(args.dtype)
        .max_shard_size(args.max_shard_size)
        .rank(rank);
    let ckpt = match args.wait_for_all {
        0 => ckpt,
        secs => ckpt.wait_for_all(Duration::from_secs(secs)),
    };
    let shards = ckpt.shards().map_err(|e| e.to_string())?;
    let mine = ckpt.my_shards().map_err(|e| e.to_string())?;
    let bytes: u64 = mine.iter().map(|(_, s)| s.data_bytes()).sum();
    // Under a launcher every rank shares the terminal: rank 0 alone draws (its own bytes).
    let mut bar = Progress::new(bytes, args.quiet || rank.rank() != 0);
    let report = ckpt.write_with_progress(&args.out, &mut |done| bar.set(done));
    bar.finish();
    let report = report.map_err(|e| e.to_string())?;
    // Rank 0 writes config.json last, after its shards and the index.
    if rank.rank() == 0 {
        write_config(&args.out, &args.config, &text, args.dtype)?;
    }
    if !args.quiet {
        let tensors = plan.entries().iter().filter(|e| !matches!(e.source(), Source::Tied { .. }));
        println!(
            "rank {}/{}: {} written, {} skipped (complete), {} of {} in {}, {:.1} s; {} tensors, {} in all",
            rank.rank(),
            rank.world(),
            count(report.written.len(), "shard"),
            report.skipped.len(),
            progress::bytes(bytes as f64),
            args.dtype,
            args.out.display(),
            start.elapsed().as_secs_f64(),
            tensors.count(),
            count(shards.len(), "shard"),
        );
    }
    Ok(())
}

/// `1 shard`, `2 shards`.
fn count(n: usize, what: &str) -> String {
    if n == 1 { format!("1 {what}") } else { format!("{n} {what}s") }
}
