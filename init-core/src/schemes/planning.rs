//! The planning hook: while [`record`] runs a closure on this thread, every fill that would
//! write a parameter ([`Init::fill`](super::Init::fill), and the layers' own imperative
//! writes: [`set_constant`], [`zero_row`]) is recorded instead of done, and no parameter's
//! memory is touched.
//!
//! It is how `checkpoint::Plan::from_module` learns exactly what the init engine would write
//! into a model, by running the engine itself: the same walk, the same rule precedence, the
//! same layer defaults, so there is no second, declarative copy of the defaults to keep in
//! step with the first. The hook is thread-local and only the closure given to [`record`]
//! sees it: the engine runs on the calling thread (rayon only runs inside a fill, which the
//! hook replaces).

use std::cell::RefCell;

use super::Init;
use crate::param::Param;

/// What the planned writes leave in one parameter: the last scheme written over it whole,
/// then the rows zeroed after it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Planned {
    /// The parameter's path (the stream key, and its state-dict key).
    pub(crate) path: String,
    /// The scheme that fills it whole.
    pub(crate) init: Init,
    /// Rows (indices along axis 0) set to zero afterwards, in order.
    pub(crate) zero_rows: Vec<usize>,
}

thread_local! {
    static SINK: RefCell<Option<Vec<Planned>>> = const { RefCell::new(None) };
}

/// Run `f` with the hook on: every planned write is recorded, none done. Returns `f`'s
/// result and the writes, one per parameter written (a later whole write replaces an
/// earlier one), in the order each parameter was first written.
pub(crate) fn record<R>(f: impl FnOnce() -> R) -> (R, Vec<Planned>) {
    let (r, planned) = swap_in(Some(Vec::new()), f);
    (r, planned.unwrap_or_default())
}

/// Run `f` with the hook off: for values that are made, not planned (a bare buffer's,
/// which the plan copies once the engine has reset them).
pub(crate) fn paused<R>(f: impl FnOnce() -> R) -> R {
    let (r, _) = swap_in(None, f);
    r
}

/// Run `f` with `sink` as this thread's hook, then put the previous one back (also when `f`
/// unwinds); returns what `f` left in `sink`.
fn swap_in<R>(sink: Option<Vec<Planned>>, f: impl FnOnce() -> R) -> (R, Option<Vec<Planned>>) {
    /// Puts the previous hook back however `f` ends.
    struct Restore(Option<Option<Vec<Planned>>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            if let Some(outer) = self.0.take() {
                SINK.with(|s| *s.borrow_mut() = outer);
            }
        }
    }
    let outer = SINK.with(|s| std::mem::replace(&mut *s.borrow_mut(), sink));
    let mut restore = Restore(Some(outer));
    let r = f();
    let inner = SINK
        .with(|s| std::mem::replace(&mut *s.borrow_mut(), restore.0.take().unwrap_or_default()));
    (r, inner)
}

/// Record that `init` fills the parameter at `path` whole; `false` (nothing recorded) when
/// the hook is off.
pub(crate) fn planned_fill(path: &str, init: &Init) -> bool {
    SINK.with(|s| {
        let mut sink = s.borrow_mut();
        let Some(list) = sink.as_mut() else { return false };
        let fresh = Planned { path: path.to_string(), init: init.clone(), zero_rows: Vec::new() };
        match list.iter_mut().find(|p| p.path == path) {
            Some(p) => *p = fresh,
            None => list.push(fresh),
        }
        true
    })
}

/// Set every element of `param` (at `path`) to `value`: a layer's imperative default
/// (LayerNorm's ones, PReLU's `init`), recorded as `constant(value)` when planning.
pub(crate) fn set_constant(param: &mut Param, path: &str, value: f32) {
    let init = match value {
        0.0 if value.is_sign_positive() => Init::Zeros,
        1.0 => Init::Ones,
        v => Init::Constant { value: f64::from(v) },
    };
    if !planned_fill(path, &init) {
        param.as_slice_mut().fill(value);
    }
}

/// Zero row `row` (axis 0) of `param` (at `path`), `row_len` elements wide: Embedding's
/// `padding_idx` after its draw. When planning, recorded after the parameter's last whole
/// write.
pub(crate) fn zero_row(param: &mut Param, path: &str, row: usize, row_len: usize) {
    let recorded = SINK.with(|s| {
        let mut sink = s.borrow_mut();
        let Some(list) = sink.as_mut() else { return false };
        match list.iter_mut().find(|p| p.path == path) {
            Some(p) => p.zero_rows.push(row),
            // Zeroing a row of a parameter nothing has written: its zeros already.
            None => list.push(Planned {
                path: path.to_string(),
                init: Init::Zeros,
                zero_rows: Vec::new(),
            }),
        }
        true
    });
    if !recorded {
        param.as_slice_mut()[row * row_len..(row + 1) * row_len].fill(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Seed;

    #[test]
    fn recording_writes_nothing_and_keeps_the_last_whole_write() {
        let mut w = Param::zeros(&[4, 3]);
        let ((), planned) = record(|| {
            let mut rng = Seed::new(0);
            Init::Normal { mean: 0.0, std: 1.0 }.fill(&mut w, "e.weight", &mut rng).unwrap();
            zero_row(&mut w, "e.weight", 2, 3);
            set_constant(&mut w, "e.weight", 0.5);
            zero_row(&mut w, "e.weight", 1, 3);
        });
        assert!(w.as_slice().iter().all(|&v| v == 0.0));
        assert_eq!(
            planned,
            vec![Planned {
                path: "e.weight".into(),
                init: Init::Constant { value: 0.5 },
                zero_rows: vec![1]
            }]
        );
        assert!(!planned_fill("w", &Init::Ones));
    }

    #[test]
    fn outside_a_recording_the_writes_are_done() {
        let mut w = Param::zeros(&[2, 2]);
        set_constant(&mut w, "w", 1.0);
        zero_row(&mut w, "w", 0, 2);
        assert_eq!(w.as_slice(), &[0.0, 0.0, 1.0, 1.0]);
    }
}
