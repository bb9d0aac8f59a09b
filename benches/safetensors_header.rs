//! Reading a safetensors file whose header lists many one-element F32 tensors (issue [5]: a
//! hostile header of a million tiny tensors, 74.4 MB). Two cases per size: `checked`, the
//! same file with one stray byte of data, which `from_bytes` rejects only after parsing the
//! header and checking every rule (the header stage alone, no tensor built), and `load`,
//! the whole load into a state dict. 100k and 1M entries, to show the time is linear.
//!
//! Run: `cargo bench --bench safetensors_header`; criterion reports MB/s of file.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use init::safetensors::from_bytes;

/// A file of `n` F32 tensors of shape `[1]` named `t000000`, `t000001`, ... (as the
/// `many_tensors` example writes it).
fn many_tensors(n: usize) -> Vec<u8> {
    let mut header = String::from(r#"{"__metadata__":{"format":"pt"}"#);
    for i in 0..n {
        let (start, end) = (4 * i, 4 * i + 4);
        header.push_str(&format!(
            r#","t{i:06}":{{"dtype":"F32","shape":[1],"data_offsets":[{start},{end}]}}"#
        ));
    }
    header.push('}');
    while header.len() % 8 != 0 {
        header.push(' ');
    }
    let mut file = (header.len() as u64).to_le_bytes().to_vec();
    file.extend(header.as_bytes());
    file.extend((0..n).flat_map(|i| (i as f32).to_le_bytes()));
    file
}

fn headers(c: &mut Criterion) {
    for n in [100_000, 1_000_000] {
        let file = many_tensors(n);
        let mut stray = file.clone();
        stray.push(0);
        let data_end = 4 * n as u64;
        let Err(e) = from_bytes(&stray) else { panic!("a stray byte must be rejected") };
        assert_eq!(
            e.to_string(),
            format!("bytes {data_end}..{} of the data belong to no tensor", data_end + 1)
        );
        let mut group = c.benchmark_group(format!("header_{n}_tensors"));
        group
            .throughput(Throughput::Bytes(file.len() as u64))
            .sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(if n > 100_000 { 20 } else { 5 }));
        group.bench_function("checked", |b| b.iter(|| from_bytes(black_box(&stray)).is_err()));
        group.bench_function("load", |b| {
            b.iter(|| from_bytes(black_box(&file)).map(|l| l.state.len()))
        });
        group.finish();
    }
}

criterion_group!(benches, headers);
criterion_main!(benches);
