//! Allocation failures while a model is built for `new()`: recorded instead of panicking, so
//! that `new()` returns them as its error.
//!
//! `zeroed()` is infallible by contract, and panics when a parameter's memory is refused (a
//! model too large for the machine). `new()` builds the model with [`build_or_error`]: while
//! it runs on this thread, a refused allocation is recorded and stands in as an empty
//! placeholder (the same rank, no elements), the build goes on without allocating that
//! memory, and the first failure recorded becomes `new()`'s error; the half-built model is
//! dropped, never seen.

use std::cell::RefCell;

use crate::error::{InitError, Result};

thread_local! {
    /// `None` outside [`build_or_error`]; inside, the first failure recorded.
    static DEFERRED: RefCell<Option<Option<InitError>>> = const { RefCell::new(None) };
}

/// Run `build` with allocation failures recorded instead of panicking; `Err` with the first
/// one recorded, if any. Nested calls each see their own failures.
///
/// ```
/// use init_core::{Linear, Zeroed};
/// use init_core::spec::build_or_error;
/// // 2^23 x 2^23 f32s: 256 TiB, more than an x86-64 process can address.
/// let err = build_or_error(Linear::<{ 1 << 23 }, { 1 << 23 }>::zeroed).err().unwrap();
/// assert_eq!(
///     err.to_string(),
///     "shape [8388608, 8388608] needs 281474976710656 bytes, which could not be allocated"
/// );
/// assert!(build_or_error(Linear::<4, 4>::zeroed).is_ok());
/// ```
pub fn build_or_error<T>(build: impl FnOnce() -> T) -> Result<T> {
    struct Restore(Option<Option<InitError>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let outer = self.0.take();
            DEFERRED.with(|d| *d.borrow_mut() = outer);
        }
    }
    let outer = DEFERRED.with(|d| d.borrow_mut().replace(None));
    let restore = Restore(outer);
    let value = build();
    let failure = DEFERRED.with(|d| d.borrow_mut().as_mut().and_then(Option::take));
    drop(restore);
    match failure {
        Some(e) => Err(e),
        None => Ok(value),
    }
}

/// Record `e` if a [`build_or_error`] is running on this thread (the first failure is kept):
/// `true` when recorded, so the caller returns a placeholder instead of panicking.
pub(crate) fn defer(e: &InitError) -> bool {
    DEFERRED.with(|d| match &mut *d.borrow_mut() {
        Some(slot) => {
            slot.get_or_insert_with(|| e.clone());
            true
        }
        None => false,
    })
}
