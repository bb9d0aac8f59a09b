//! The init report's command line (`init::report_cli_args`, what `report_cli` runs): the
//! report of a saved model on an input file, and an error message, never a panic, for each
//! mistake, naming the file, key or option.

use std::path::{Path, PathBuf};

use init::ndarray::ArrayD;
use init::prelude::*;
use init::{StateDict, Tensor, report_cli_args};

#[derive(Module)]
#[module(sequential)]
struct Mlp {
    fc1: Linear<8, 16>,
    act: Tanh,
    #[init(xavier_normal)]
    fc2: Linear<16, 4>,
}

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("init-report-cli-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }
    fn path(&self, file: &str) -> String {
        self.0.join(file).to_str().unwrap().to_string()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `model.safetensors` (an `Mlp` from seed 0) and `input.safetensors` with `tensors`.
fn files(dir: &Dir, tensors: &[(&str, Tensor)]) {
    Mlp::new(&mut Seed::new(0)).unwrap().save_safetensors(dir.path("model.safetensors")).unwrap();
    let mut sd = StateDict::new();
    for (k, t) in tensors {
        sd.insert(k, t.clone()).unwrap();
    }
    init::safetensors::save(&sd, dir.path("input.safetensors")).unwrap();
}

fn batch(shape: &[usize]) -> Tensor {
    Tensor::from(ArrayD::from_shape_fn(shape.to_vec(), |i| ((i[0] * 31 + i[1]) as f32 * 0.1).sin()))
}

fn run(args: &[&str]) -> Result<String, String> {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let mut out = Vec::new();
    match report_cli_args::<Mlp>(&args, &mut out) {
        Ok(()) => Ok(String::from_utf8(out).unwrap()),
        Err(e) => Err(e.to_string()),
    }
}

#[test]
fn the_report_of_a_saved_model() {
    let dir = Dir::new("ok");
    files(&dir, &[("x", batch(&[32, 8]))]);
    let (w, x) = (dir.path("model.safetensors"), dir.path("input.safetensors"));
    let out = run(&["--weights", &w, "--input", &x]).unwrap();
    for line in ["fc1", "act", "fc2"] {
        assert!(out.contains(line), "{out}");
    }
    // Loaded values are compared with the std the model declares (xavier_normal on fc2).
    assert!(out.contains("declared: xavier_normal by #[init] on Mlp.fc2"), "{out}");
    let same = run(&[&format!("--weights={w}"), "--input", &x, "--input-key", "x"]).unwrap();
    assert_eq!(out, same);
    assert!(run(&["--help"]).unwrap().starts_with("usage: "));
}

#[test]
fn svg_with_the_plot_feature() {
    let dir = Dir::new("svg");
    files(&dir, &[("x", batch(&[32, 8]))]);
    let (w, x, svg) =
        (dir.path("model.safetensors"), dir.path("input.safetensors"), dir.path("out.svg"));
    let got = run(&["--weights", &w, "--input", &x, "--svg", &svg]);
    if cfg!(feature = "plot") {
        assert!(got.unwrap().ends_with(&format!("wrote {svg}\n")));
        let text = std::fs::read_to_string(&svg).unwrap();
        assert!(text.starts_with("<svg") && text.contains("model.safetensors"), "{text}");
    } else {
        assert!(got.unwrap_err().contains("--svg needs the `plot` feature"));
        assert!(!Path::new(&svg).exists());
    }
}

#[test]
fn every_mistake_is_a_message_naming_what_is_wrong() {
    let dir = Dir::new("errors");
    files(
        &dir,
        &[
            ("x", batch(&[32, 8])),
            ("y", batch(&[32, 5])),
            ("ids", Tensor::from(ArrayD::<i64>::zeros(vec![2, 8]))),
        ],
    );
    let (w, x) = (dir.path("model.safetensors"), dir.path("input.safetensors"));
    let missing = dir.path("missing.safetensors");
    let cases: Vec<(Vec<&str>, String)> = vec![
        (vec!["--input", &x], "--weights is required".into()),
        (vec!["--weights", &w], "--input is required".into()),
        (vec!["--weights"], "--weights needs a value".into()),
        (vec!["--weigths", &w], "unknown option --weigths".into()),
        (vec!["--weights", &w, "--weights", &w], "--weights given twice".into()),
        (vec!["--weights", &missing, "--input", &x], missing.clone()),
        (vec!["--weights", &w, "--input", &missing], missing.clone()),
        (
            vec!["--weights", &w, "--input", &x],
            format!("{x} holds 3 tensors (x, y, ids): choose one with --input-key"),
        ),
        (
            vec!["--weights", &w, "--input", &x, "--input-key", "z"],
            format!("{x}: no tensor `z` (the file holds: x, y, ids)"),
        ),
        (
            vec!["--weights", &w, "--input", &x, "--input-key", "ids"],
            format!("{x}: `ids` holds integers; the report's forward pass takes a float input"),
        ),
        (
            vec!["--weights", &w, "--input", &x, "--input-key", "y"],
            format!(
                "{x}: the forward pass on `y` (shape [32, 5]) failed: fc1: Linear: input of shape [32, 5] must have last dimension 8 (in_features)"
            ),
        ),
        // Weights of another model: the strict load's message, with the file.
        (
            vec!["--weights", &x, "--input", &x, "--input-key", "x"],
            "Missing key(s) in state_dict".into(),
        ),
    ];
    for (args, want) in cases {
        let err = run(&args).expect_err(&format!("{args:?} must fail"));
        assert!(err.contains(&want), "{args:?}:\n{err}\nshould contain\n{want}");
    }
}
