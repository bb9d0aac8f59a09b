//! The floor of W2: writing GPT-2 small's 475 MiB of parameters into memory the process has
//! never touched, with nothing computed. Each case maps a fresh anonymous region, writes one
//! `f32` per element (the index, so the stores cannot be elided) and unmaps it; best of 5
//! after a warm-up, one thread and two (halves written in parallel, as the fill kernels do).
//!
//! * `4k`: the default pages: one page fault per 4 KiB;
//! * `populate`: `MADV_POPULATE_WRITE` on the region first (the kernel maps every page in one
//!   call), then the same writes;
//! * `thp`: `MADV_HUGEPAGE` first (transparent huge pages, 2 MiB, on a 2 MiB-aligned region):
//!   one fault per 2 MiB. The worst round is printed too, since that is what a user may get:
//!   on a VM whose balloon reports free pages to the host, the first touch of free 2 MiB
//!   blocks faults in the host as well (the first round after a few idle seconds), and where
//!   THP `defrag` is `madvise` a fault with no free huge page at hand compacts memory.
//!
//! Run: `cargo bench --bench fresh_pages`. Linux only (elsewhere it prints nothing).
//! Output: `fresh CASE THREADS BYTES BEST_SECONDS WORST_SECONDS GB_PER_S`.

#[cfg(target_os = "linux")]
fn main() {
    use std::time::Instant;
    const BYTES: usize = 124_439_808 * 4; // GPT-2 small's parameters, f32
    const ALIGN: usize = 2 << 20;
    const MADV_POPULATE_WRITE: i32 = 23;
    let thp =
        std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled").unwrap_or_default();
    let defrag =
        std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/defrag").unwrap_or_default();
    println!("# THP enabled: {} defrag: {}", thp.trim(), defrag.trim());
    for case in ["4k", "populate", "thp"] {
        for threads in [1usize, 2] {
            let mut times = Vec::new();
            for _ in 0..6 {
                let len = BYTES + ALIGN;
                // SAFETY: a private anonymous mapping, checked, written only inside, unmapped
                // at the end of the round.
                unsafe {
                    let base = libc::mmap(
                        std::ptr::null_mut(),
                        len,
                        libc::PROT_READ | libc::PROT_WRITE,
                        libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                        -1,
                        0,
                    );
                    assert!(base != libc::MAP_FAILED, "mmap");
                    let start = (base as usize).next_multiple_of(ALIGN) as *mut f32;
                    let t = Instant::now();
                    match case {
                        "populate" => {
                            libc::madvise(start.cast(), BYTES, MADV_POPULATE_WRITE);
                        }
                        "thp" => {
                            libc::madvise(start.cast(), BYTES, libc::MADV_HUGEPAGE);
                        }
                        _ => {}
                    }
                    let values = std::slice::from_raw_parts_mut(start, BYTES / 4);
                    let half = values.len() / threads;
                    std::thread::scope(|s| {
                        for (k, part) in values.chunks_mut(half).enumerate() {
                            s.spawn(move || {
                                let at = k * half;
                                for (i, v) in part.iter_mut().enumerate() {
                                    *v = (at + i) as f32;
                                }
                            });
                        }
                    });
                    std::hint::black_box(&values[values.len() - 1]);
                    times.push(t.elapsed().as_secs_f64());
                    libc::munmap(base, len);
                }
            }
            let rounds = &times[1..];
            let best = rounds.iter().copied().fold(f64::INFINITY, f64::min);
            let worst = times.iter().copied().fold(0.0, f64::max);
            let rate = BYTES as f64 / best / 1e9;
            println!("fresh {case} {threads} {BYTES} {best:.4} {worst:.4} {rate:.2}");
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn main() {}
