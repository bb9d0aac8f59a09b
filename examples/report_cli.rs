//! The init report's command line for one model type: a saved model and an input file in,
//! the report (and with `--svg` its plot) out. A weights file does not say its architecture,
//! so the binary names the model's type and calls `init::report_cli::<Mlp>()`.
//!
//! Try it (the `--demo DIR` run writes a model and an input to report on):
//!
//! ```text
//! cargo run --example report_cli -- --demo target/report-demo
//! cargo run --example report_cli -- --weights target/report-demo/mlp.safetensors \
//!     --input target/report-demo/input.safetensors
//! cargo run --example report_cli --features plot -- --weights ... --input ... --svg target/mlp.svg
//! ```

use std::process::ExitCode;

use init::ndarray::ArrayD;
use init::prelude::*;
use init::{StateDict, Tensor};

/// The model whose files this command reads.
#[derive(Module)]
#[module(sequential)]
pub struct Mlp {
    fc1: Linear<64, 128>,
    act1: ReLU,
    fc2: Linear<128, 128>,
    act2: ReLU,
    #[init(normal(std = 0.01))]
    fc3: Linear<128, 128>,
    act3: ReLU,
    out: Linear<128, 10>,
}

/// Write `DIR/mlp.safetensors` (an initialized `Mlp`) and `DIR/input.safetensors` (`x`, 256
/// samples of N(0, 1)).
fn demo(dir: &std::path::Path) -> Result<(), InitError> {
    std::fs::create_dir_all(dir).map_err(|e| {
        InitError::new("", init::ErrorKind::Report { rule: format!("{}: {e}", dir.display()) })
    })?;
    Mlp::new(&mut Seed::new(0))?.save_safetensors(dir.join("mlp.safetensors"))?;
    let mut x = Param::zeros(&[256, 64]);
    init::normal().fill(x.at("x"), &mut Seed::new(1))?;
    let mut sd = StateDict::new();
    sd.insert("x", Tensor::from(ArrayD::from(x.into_array())))?;
    init::safetensors::save(&sd, dir.join("input.safetensors"))?;
    println!("wrote {0}/mlp.safetensors and {0}/input.safetensors", dir.display());
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, dir] = args.as_slice()
        && flag == "--demo"
    {
        return match demo(std::path::Path::new(dir)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    init::report_cli::<Mlp>()
}
