//! Unit tests of the atomic save on both of its paths (the unnamed `O_TMPFILE` file and the
//! named fallback): long file names, and what a writer killed part-way leaves behind.

use std::io::BufRead;
use std::path::Path;
use std::process::{Command, Stdio};

use ndarray::ArrayD;

use super::temp_names::host;
use super::tests::{files_in, scratch};
use super::write::{Hooks, Stage, save_with};
use super::{load, save, to_bytes};
use crate::state::{StateDict, Tensor};

/// The longest temporary name: `.init-tmp.`, 8 hex digits, a pid (`u32`) and a counter (`u64`).
const MAX_TEMP_NAME: usize = ".init-tmp.".len() + 8 + 1 + 10 + 1 + 20;

fn sd(v: f32) -> StateDict {
    let mut sd = StateDict::new();
    sd.insert("w", Tensor::from(ArrayD::from_elem(vec![1000], v))).unwrap();
    sd.insert("n", Tensor::from(ArrayD::from_elem(vec![], v as i64))).unwrap();
    sd
}

fn hooks(named_only: bool) -> Hooks {
    Hooks { named_only, ..Hooks::NONE }
}

/// A name of exactly `len` bytes ending in `.safetensors`, its stem made of `é` (two bytes
/// each, so that bytes and characters differ) and an `x` for an odd length.
fn name_of(len: usize) -> String {
    let stem = len - ".safetensors".len();
    format!("{}{}.safetensors", "é".repeat(stem / 2), "x".repeat(stem % 2))
}

#[test]
fn every_file_name_the_file_system_accepts_saves_on_both_paths() {
    let dir = scratch("long");
    for named_only in [false, true] {
        for len in 236..=255 {
            let path = dir.join(name_of(len));
            assert_eq!(path.file_name().unwrap().len(), len);
            let v = len as f32;
            save_with(&sd(v), &path, &hooks(named_only))
                .unwrap_or_else(|e| panic!("{len} bytes, named_only {named_only}: {e}"));
            assert_eq!(load(&path).unwrap().state, sd(v), "{len} bytes");
            // Saved again, over the file it replaces.
            save_with(&sd(-v), &path, &hooks(named_only)).unwrap();
            assert_eq!(load(&path).unwrap().state, sd(-v), "{len} bytes");
            std::fs::remove_file(&path).unwrap();
        }
        // One byte more is the OS's error, before anything is written.
        let path = dir.join(name_of(256));
        assert_eq!(
            save_with(&sd(1.0), &path, &hooks(named_only)).unwrap_err().to_string(),
            format!(
                "{}: cannot look up the target: File name too long (os error 36)",
                path.display()
            )
        );
        assert_eq!(files_in(&dir), Vec::<String>::new());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Run by the tests below in a child process (this test binary again, with `INIT_ST_PAUSE`
/// set): saves `sd(9.0)` to `INIT_ST_PAUSE` and stops for good at the stage named by
/// `INIT_ST_PAUSE_AT`, after saying so on stdout, for the parent to kill it there.
#[test]
fn child_saves_and_pauses() {
    let Ok(path) = std::env::var("INIT_ST_PAUSE") else { return };
    let named_only = std::env::var_os("INIT_ST_NAMED_ONLY").is_some();
    fn pause(stage: Stage) {
        if std::env::var("INIT_ST_PAUSE_AT").unwrap() == format!("{stage:?}") {
            println!("paused at {stage:?}");
            loop {
                std::thread::sleep(std::time::Duration::from_secs(3600));
            }
        }
    }
    save_with(&sd(9.0), Path::new(&path), &Hooks { named_only, at: pause, ..Hooks::NONE }).unwrap();
}

/// A child saving to `path`, stopped at `stage` (still alive until dropped).
fn paused_child(path: &Path, stage: Stage, named_only: bool) -> Paused {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["safetensors::tests_atomic::child_saves_and_pauses", "--exact"]);
    cmd.args(["--test-threads=1", "--nocapture"]);
    cmd.env("INIT_ST_PAUSE", path).env("INIT_ST_PAUSE_AT", format!("{stage:?}"));
    if named_only {
        cmd.env("INIT_ST_NAMED_ONLY", "1");
    }
    let mut child = Paused(cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap());
    let mut out = std::io::BufReader::new(child.0.stdout.take().unwrap());
    let mut line = String::new();
    // The line also holds what libtest printed before the test ran ("test ... ").
    while !line.ends_with(&format!("paused at {stage:?}\n")) {
        line.clear();
        assert_ne!(out.read_line(&mut line).unwrap(), 0, "the child ended before {stage:?}");
    }
    child
}

/// A child process, killed (SIGKILL) and waited for when dropped, also when a test fails.
struct Paused(std::process::Child);

impl Drop for Paused {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn kill(child: Paused) {
    drop(child);
}

#[cfg(target_os = "linux")]
#[test]
fn a_writer_killed_while_writing_an_unnamed_file_leaves_nothing_behind() {
    let dir = scratch("kill-unnamed");
    let path = dir.join("model.safetensors");
    save(&sd(1.0), &path).unwrap();
    let old = std::fs::read(&path).unwrap();
    kill(paused_child(&path, Stage::Written, false));
    assert_eq!(std::fs::read(&path).unwrap(), old);
    assert_eq!(files_in(&dir), ["model.safetensors"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The one moment a save on the `O_TMPFILE` path has a temporary name: between the link and
/// the rename. A writer killed there leaves that name, and the next save removes it.
#[cfg(target_os = "linux")]
#[test]
fn a_writer_killed_between_link_and_rename_leaves_a_name_the_next_save_removes() {
    let dir = scratch("kill-linked");
    let path = dir.join("model.safetensors");
    save(&sd(1.0), &path).unwrap();
    let child = paused_child(&path, Stage::BeforeRename, false);
    let pid = child.0.id();
    kill(child);
    let names = files_in(&dir);
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names[0].starts_with(&format!(".init-tmp.{}.{pid}.", host())), "{names:?}");
    assert_eq!(load(dir.join(&names[0])).unwrap().state, sd(9.0));
    assert_eq!(load(&path).unwrap().state, sd(1.0));
    save(&sd(2.0), &path).unwrap();
    assert_eq!(files_in(&dir), ["model.safetensors"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// On the named fallback a killed writer leaves its temporary file. A save while that writer
/// lives keeps it; the first save after its death removes it, and nothing else.
#[cfg(unix)]
#[test]
fn on_the_named_path_the_next_save_removes_the_temporary_file_of_a_dead_writer() {
    let dir = scratch("kill-named");
    let path = dir.join("model.safetensors");
    save(&sd(1.0), &path).unwrap();
    let child = paused_child(&path, Stage::Written, true);
    let pid = child.0.id();
    let names = files_in(&dir);
    assert_eq!(names.len(), 2, "{names:?}");
    let tmp = names[0].clone();
    assert!(tmp.starts_with(&format!(".init-tmp.{}.{pid}.", host())), "{names:?}");
    assert!(tmp.len() <= MAX_TEMP_NAME, "{tmp}");
    let len = to_bytes(&sd(9.0)).unwrap().len() as u64;
    assert_eq!(std::fs::metadata(dir.join(&tmp)).unwrap().len(), len);
    // Names close to the pattern that the cleanup must not take.
    let h = host();
    let decoys = [
        format!(".init-tmp.{h}.{pid}"),
        format!(".init-tmp.{h}.{pid}.0.bak"),
        format!(".init-tmp.{h}.{pid}.x"),
        format!(".init-tmp.{h}.0{pid}.0"),
        format!(".init-tmp.{h}.{pid}.00"),
        format!("x.init-tmp.{h}.{pid}.0"),
        format!(".init-tmp.{h}.-{pid}.0"),
        format!(".init-tmp.{h}.0.0"),
        format!(".init-tmp.{pid}.0"),
        // Another machine's (or container's) writer with this pid.
        format!(".init-tmp.{}.{pid}.0", if h == "00000000" { "00000001" } else { "00000000" }),
    ];
    for d in &decoys {
        std::fs::write(dir.join(d), b"not ours").unwrap();
    }
    save(&sd(2.0), &path).unwrap();
    assert!(files_in(&dir).contains(&tmp), "a live writer's file was removed");
    kill(child);
    assert_eq!(load(&path).unwrap().state, sd(2.0));
    save(&sd(3.0), &path).unwrap();
    let mut want: Vec<String> = decoys.to_vec();
    want.push("model.safetensors".into());
    want.sort();
    assert_eq!(files_in(&dir), want);
    assert_eq!(load(&path).unwrap().state, sd(3.0));
    std::fs::remove_dir_all(&dir).unwrap();
}
