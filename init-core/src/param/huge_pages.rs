//! Transparent huge pages for large parameters: one page fault per 2 MiB instead of per
//! 4 KiB when a fresh parameter is first written (the W2 floor, `benches/fresh_pages.rs`:
//! 475 MiB in 0.056 s with huge pages against 0.129 s with 4 KiB pages, two threads).
//!
//! Asking for them (`madvise(MADV_HUGEPAGE)`) is not free everywhere, for two measured
//! reasons:
//!
//! - Compaction: where the kernel's THP `defrag` setting is `madvise` (the usual default),
//!   `defer+madvise` or `always`, a fault in an advised region with no free 2 MiB block at
//!   hand compacts memory synchronously.
//! - A hypervisor taking free memory back: a guest whose virtio balloon has *free page
//!   reporting* hands free blocks of 2 MiB and more to the host, which discards them, so the
//!   first touch of such a block faults in the host too. On this project's VM that made a
//!   fresh 475 MiB cost 0.43-0.63 s with huge pages, after 5 s idle, against 0.13-0.30 s with
//!   4 KiB pages, which the kernel mostly serves from smaller free blocks it never reported.
//!   (The kernel's compaction counters did not move in those slow rounds.)
//!
//! So the policy, decided once per process:
//!
//! - `INIT_HUGE_PAGES=1` (or `always`): advise every zeroed allocation of at least 4 MiB;
//! - `INIT_HUGE_PAGES=0` (or `never`): never;
//! - unset (or anything else): advise when THP is `always` or `madvise`, no virtio balloon
//!   reports free pages, and either `defrag` is `defer` or `never` (faults never stall), or
//!   the free 2 MiB blocks counted in `/proc/buddyinfo` at the first large allocation cover
//!   it twice over; that budget is spent by each advised allocation (memory freed later is
//!   not counted back), and once spent, allocations get 4 KiB pages.
//!
//! Values are the same either way: only the page size behind them changes.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Allocations below this are left alone (a huge page needs a 2 MiB-aligned 2 MiB run).
const MIN_BYTES: usize = 4 << 20;
const HUGE: usize = 2 << 20;
/// Order of a 2 MiB block in the buddy allocator (4 KiB pages).
const HUGE_ORDER: usize = 9;
/// Bit of `VIRTIO_BALLOON_F_REPORTING` in a virtio device's `features` string.
const BALLOON_REPORTING_BIT: usize = 5;
/// virtio device id of a memory balloon.
const BALLOON_DEVICE: &str = "0x0005";

/// When this process advises huge pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Policy {
    Always,
    Never,
    /// While free 2 MiB blocks remain in the budget (faults could otherwise compact).
    WhileFree,
}

fn policy() -> Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    *POLICY.get_or_init(|| {
        decide(std::env::var("INIT_HUGE_PAGES").ok().as_deref(), &read_sys, balloon_reports())
    })
}

fn read_sys(name: &str) -> String {
    std::fs::read_to_string(format!("/sys/kernel/mm/transparent_hugepage/{name}"))
        .unwrap_or_default()
}

/// Whether a virtio balloon with free page reporting is bound (its `features` file lists
/// the negotiated feature bits as `0`/`1` characters, bit 0 first).
fn balloon_reports() -> bool {
    let Ok(devices) = std::fs::read_dir("/sys/bus/virtio/devices") else {
        return false;
    };
    devices.flatten().any(|d| {
        let read = |f: &str| std::fs::read_to_string(d.path().join(f)).unwrap_or_default();
        reports_free_pages(&read("device"), &read("features"))
    })
}

fn reports_free_pages(device: &str, features: &str) -> bool {
    device.trim() == BALLOON_DEVICE && features.as_bytes().get(BALLOON_REPORTING_BIT) == Some(&b'1')
}

/// The bracketed choice of a `/sys/kernel/mm/transparent_hugepage` file (`always [madvise]
/// never` -> `madvise`).
fn selected(text: &str) -> Option<&str> {
    let start = text.find('[')? + 1;
    let end = start + text[start..].find(']')?;
    Some(&text[start..end])
}

fn decide(env: Option<&str>, sys: &dyn Fn(&str) -> String, balloon_reports: bool) -> Policy {
    match env.map(str::trim) {
        Some("1" | "always") => return Policy::Always,
        Some("0" | "never") => return Policy::Never,
        _ => {}
    }
    if !matches!(selected(&sys("enabled")), Some("always" | "madvise")) || balloon_reports {
        return Policy::Never;
    }
    match selected(&sys("defrag")) {
        Some("defer" | "never") => Policy::Always,
        _ => Policy::WhileFree,
    }
}

/// Free 2 MiB blocks in `/proc/buddyinfo` (`Node 0, zone Normal c0 c1 … c10`: free blocks
/// of order 0, 1, …), over every zone but `DMA`.
fn free_huge_blocks(buddyinfo: &str) -> usize {
    buddyinfo
        .lines()
        .filter(|l| l.split_whitespace().nth(3).is_none_or(|z| z != "DMA"))
        .flat_map(|l| {
            let counts = l.split_whitespace().skip(4).filter_map(|c| c.parse::<usize>().ok());
            counts.enumerate().skip(HUGE_ORDER).map(|(order, n)| n << (order - HUGE_ORDER))
        })
        .sum()
}

/// Whether an allocation of `blocks` 2 MiB blocks may be advised under `WhileFree`: the
/// budget (free blocks at the first call) must hold twice as many; it is then charged.
fn take_from_budget(blocks: usize) -> bool {
    static BUDGET: OnceLock<AtomicUsize> = OnceLock::new();
    let budget = BUDGET.get_or_init(|| {
        let info = std::fs::read_to_string("/proc/buddyinfo").unwrap_or_default();
        AtomicUsize::new(free_huge_blocks(&info))
    });
    budget
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
            (left >= 2 * blocks).then(|| left - blocks)
        })
        .is_ok()
}

/// Advise the 2 MiB-aligned interior of `[ptr, ptr + len)` for huge pages, when the policy
/// says so and the region is large enough; a refusal by the kernel is ignored (the memory
/// stays usable with 4 KiB pages).
pub(crate) fn advise(ptr: *mut u8, len: usize) {
    if len < MIN_BYTES {
        return;
    }
    let start = (ptr as usize).next_multiple_of(HUGE);
    let end = (ptr as usize + len) / HUGE * HUGE;
    if end <= start {
        return;
    }
    let go = match policy() {
        Policy::Always => true,
        Policy::Never => false,
        Policy::WhileFree => take_from_budget((end - start) / HUGE),
    };
    if go {
        #[cfg(target_os = "linux")]
        // SAFETY: `[start, end)` lies inside the live allocation `[ptr, ptr + len)`;
        // MADV_HUGEPAGE changes how its pages are backed, never their contents.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sys(enabled: &'static str, defrag: &'static str) -> impl Fn(&str) -> String {
        move |name| if name == "enabled" { enabled.into() } else { defrag.into() }
    }

    #[test]
    fn the_policy_follows_the_kernel_settings_and_the_hypervisor() {
        let madvise_defrag =
            sys("always [madvise] never\n", "always defer defer+madvise [madvise] never\n");
        let defer = sys("always [madvise] never\n", "always [defer] defer+madvise madvise never\n");
        let thp_off =
            sys("always madvise [never]\n", "always [defer] defer+madvise madvise never\n");
        assert_eq!(decide(None, &madvise_defrag, false), Policy::WhileFree);
        assert_eq!(decide(None, &defer, false), Policy::Always);
        assert_eq!(decide(None, &thp_off, false), Policy::Never);
        assert_eq!(decide(None, &defer, true), Policy::Never, "a reporting balloon: off");
        assert_eq!(decide(Some("1"), &madvise_defrag, true), Policy::Always);
        assert_eq!(decide(Some("always"), &thp_off, false), Policy::Always);
        assert_eq!(decide(Some("0"), &defer, false), Policy::Never);
        assert_eq!(decide(Some("never"), &defer, false), Policy::Never);
        assert_eq!(decide(Some("yes"), &madvise_defrag, false), Policy::WhileFree, "automatic");
        assert_eq!(decide(None, &|_| String::new(), false), Policy::Never, "no THP files: off");
        assert_eq!(selected("always [madvise] never"), Some("madvise"));
    }

    #[test]
    fn free_huge_blocks_counts_orders_9_and_up_outside_dma() {
        // This project's VM (the DMA zone's blocks are left out).
        let info = "Node 0, zone      DMA      0      0      0      0      0      0      0      0      1      1      3 \n\
                    Node 0, zone    DMA32     15     19     20     17     15     18     14     15     11      9    742 \n\
                    Node 0, zone   Normal  27483   8794   2595   5385   6766   6955   4461   2349   1048    382   1689 \n";
        assert_eq!(free_huge_blocks(info), 9 + 2 * 742 + 382 + 2 * 1689);
        assert_eq!(free_huge_blocks(""), 0);
        assert_eq!(free_huge_blocks("Node 0, zone Normal 1 2 3"), 0, "no order-9 column");
    }

    #[test]
    fn only_a_balloon_with_the_reporting_bit_reports() {
        // The balloon of this project's VM: bits 1, 2, 5, 7 and 32.
        let features = "0110010100000000000000000000000010000000";
        assert!(reports_free_pages("0x0005\n", features));
        assert!(!reports_free_pages("0x0005\n", "0110000100000000"), "bit 5 clear");
        assert!(!reports_free_pages("0x0002\n", features), "a block device");
        assert!(!reports_free_pages("0x0005\n", "0110"), "too short to say");
    }
}
