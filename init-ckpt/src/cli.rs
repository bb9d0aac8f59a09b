//! The command: arguments, config, layout, then the writer.

use std::process::ExitCode;

use crate::{Args, Command, ModelConfig, USAGE, plan};

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
    let shown = args.config.display();
    let text = std::fs::read_to_string(&args.config)
        .map_err(|e| format!("cannot read config {shown}: {e}"))?;
    let config = ModelConfig::from_json(&text).map_err(|e| format!("{shown}: {e}"))?;
    let plan = plan(&config).map_err(|e| format!("{shown}: {e}"))?;
    crate::prepare_dir(&args.out)?;
    let _ = plan;
    Err("writing is not implemented yet".into())
}
