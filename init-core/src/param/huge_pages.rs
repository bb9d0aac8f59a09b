//! Transparent huge pages for large parameters: one page fault per 2 MiB instead of per
//! 4 KiB when a fresh parameter is first written (the W2 floor, `benches/fresh_pages.rs`).
//!
//! Asking for them (`madvise(MADV_HUGEPAGE)`) is not free everywhere: where the kernel's
//! THP `defrag` setting is `madvise`, `defer+madvise` or `always`, a fault in an advised
//! region compacts memory synchronously when no free huge page is at hand, which measured
//! up to a second for 475 MiB on a machine whose page cache filled its memory. So the
//! policy, decided once per process:
//!
//! - `INIT_HUGE_PAGES=1` (or `always`): advise every zeroed allocation of at least 4 MiB;
//! - `INIT_HUGE_PAGES=0` (or `never`): never;
//! - unset (or anything else): advise only where it cannot stall, i.e. THP is not `never`
//!   and `defrag` is `defer` or `never` (faults take a free huge page or fall back to 4 KiB
//!   pages, and `khugepaged` does the compaction in the background).
//!
//! Values are the same either way: only the page size behind them changes.

/// Allocations below this are left alone (a huge page needs a 2 MiB-aligned 2 MiB run).
const MIN_BYTES: usize = 4 << 20;
const HUGE: usize = 2 << 20;

/// Whether this process advises huge pages (the policy above).
pub(crate) fn enabled() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| decide(std::env::var("INIT_HUGE_PAGES").ok().as_deref(), &read_sys))
}

fn read_sys(name: &str) -> String {
    std::fs::read_to_string(format!("/sys/kernel/mm/transparent_hugepage/{name}"))
        .unwrap_or_default()
}

/// The bracketed choice of a `/sys/kernel/mm/transparent_hugepage` file (`always [madvise]
/// never` -> `madvise`).
fn selected(text: &str) -> Option<&str> {
    let start = text.find('[')? + 1;
    let end = start + text[start..].find(']')?;
    Some(&text[start..end])
}

fn decide(env: Option<&str>, sys: &dyn Fn(&str) -> String) -> bool {
    match env.map(str::trim) {
        Some("1" | "always") => return true,
        Some("0" | "never") => return false,
        _ => {}
    }
    let enabled = sys("enabled");
    let defrag = sys("defrag");
    matches!(selected(&enabled), Some("always" | "madvise"))
        && matches!(selected(&defrag), Some("defer" | "never"))
}

/// Advise the 2 MiB-aligned interior of `[ptr, ptr + len)` for huge pages, when the policy
/// says so and the region is large enough; a refusal by the kernel is ignored (the memory
/// stays usable with 4 KiB pages).
pub(crate) fn advise(ptr: *mut u8, len: usize) {
    if len < MIN_BYTES || !enabled() {
        return;
    }
    let start = (ptr as usize).next_multiple_of(HUGE);
    let end = (ptr as usize + len) / HUGE * HUGE;
    if end > start {
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
    fn the_policy_advises_only_where_faults_cannot_stall() {
        let madvise_defrag =
            sys("always [madvise] never\n", "always defer defer+madvise [madvise] never\n");
        let defer = sys("always [madvise] never\n", "always [defer] defer+madvise madvise never\n");
        let thp_off =
            sys("always madvise [never]\n", "always [defer] defer+madvise madvise never\n");
        assert!(!decide(None, &madvise_defrag));
        assert!(decide(None, &defer));
        assert!(!decide(None, &thp_off));
        assert!(decide(Some("1"), &madvise_defrag) && decide(Some("always"), &thp_off));
        assert!(!decide(Some("0"), &defer) && !decide(Some("never"), &defer));
        assert!(!decide(Some("yes"), &madvise_defrag), "anything else is the automatic policy");
        assert!(!decide(None, &|_| String::new()), "no THP files: off");
        assert_eq!(selected("always [madvise] never"), Some("madvise"));
    }
}
