//! A safetensors file whose header lists a million one-element tensors (about 75 MB, almost
//! all of it header), loaded with `init::safetensors::load`: prints the wall time of the load
//! and the process's peak resident memory, to compare with the file's size.
//!
//! Run: `cargo run --release --example many_tensors` (a file of 1,000,000 tensors in the
//! temporary directory, written then loaded), or
//! `cargo run --release --example many_tensors -- write PATH [N]` and then
//! `cargo run --release --example many_tensors -- load PATH` to measure the load alone
//! (e.g. under `/usr/bin/time -v`).

use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::Instant;

/// Write a file of `n` F32 tensors of shape `[1]` named `t000000`, `t000001`, ..., streamed
/// to disk (the writer holds no more than a buffer; the header length is patched in last).
fn write(path: &Path, n: usize) -> std::io::Result<u64> {
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    out.write_all(&[0; 8])?;
    let mut len = 0usize;
    let mut put = |out: &mut BufWriter<std::fs::File>, text: &str| {
        len += text.len();
        out.write_all(text.as_bytes())
    };
    put(&mut out, r#"{"__metadata__":{"format":"pt"}"#)?;
    for i in 0..n {
        let (start, end) = (4 * i, 4 * i + 4);
        let entry =
            format!(r#","t{i:06}":{{"dtype":"F32","shape":[1],"data_offsets":[{start},{end}]}}"#);
        put(&mut out, &entry)?;
    }
    put(&mut out, "}")?;
    let padded = len.next_multiple_of(8);
    out.write_all(&vec![b' '; padded - len])?;
    for i in 0..n {
        out.write_all(&(i as f32).to_le_bytes())?;
    }
    let mut file = out.into_inner().map_err(|e| e.into_error())?;
    file.seek(SeekFrom::Start(0))?;
    file.write_all(&(padded as u64).to_le_bytes())?;
    Ok(8 + padded as u64 + 4 * n as u64)
}

/// The peak resident set size of this process, from `/proc/self/status` (Linux only).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn load(path: &Path) -> Result<(), init::InitError> {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let before = peak_rss_kib();
    let start = Instant::now();
    let loaded = init::safetensors::load(path)?;
    let seconds = start.elapsed().as_secs_f64();
    println!("loaded {} tensors from {size} bytes in {seconds:.3} s", loaded.state.len());
    if let (Some(before), Some(after)) = (before, peak_rss_kib()) {
        let mib = |kib: u64| kib as f64 / 1024.0;
        println!(
            "peak RSS {:.1} MiB before the load, {:.1} MiB after ({:.2}x the file)",
            mib(before),
            mib(after),
            after as f64 * 1024.0 / size as f64
        );
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["write", path, rest @ ..] => {
            let n = rest.first().map_or(Ok(1_000_000), |s| s.parse())?;
            println!("wrote {} bytes", write(Path::new(path), n)?);
        }
        ["load", path] => load(Path::new(path))?,
        [] => {
            let path = std::env::temp_dir()
                .join(format!("init-many-tensors-{}.safetensors", std::process::id()));
            println!("wrote {} bytes to {}", write(&path, 1_000_000)?, path.display());
            let result = load(&path);
            std::fs::remove_file(&path)?;
            result?;
        }
        _ => return Err("usage: many_tensors [write PATH [N] | load PATH]".into()),
    }
    Ok(())
}
