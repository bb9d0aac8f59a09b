//! The forward-pass recorder: PyTorch's forward hooks, for the init report and LSUV.
//!
//! Off by default. Every layer's forward pass ([`Forward::forward`](super::Forward::forward)
//! and the other entry points: `Embedding::lookup`, `Bilinear::forward2`,
//! `TransformerDecoderLayer::forward2`) ends in [`traced`], which costs one thread-local
//! read when nothing records. While [`record`] runs a closure on this thread, each layer
//! that finishes a forward pass appends its kind, its address (`self`, which names it
//! against the module tree) and, when asked, a copy of its output. Containers (`Sequential`,
//! `ModuleList`, derived structs) do not record: their output is their last child's.
//!
//! The recorder is per thread: a forward pass that runs layers on other threads records
//! only the calls made on the calling thread.

use std::cell::{Cell, RefCell};

use ndarray::ArrayD;

use super::{LayerKind, Module};
use crate::error::Result;

/// One finished forward call of a layer.
#[derive(Debug)]
pub(crate) struct Call {
    /// The layer's kind.
    pub(crate) kind: LayerKind,
    /// The layer's address (`self` as a pointer), matched against the module tree.
    pub(crate) addr: usize,
    /// A copy of the output, when the recording keeps outputs of this layer.
    pub(crate) output: Option<ArrayD<f32>>,
}

/// Which outputs a recording copies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Keep {
    /// Every layer's output.
    All,
    /// Only the outputs of the layers at these addresses (with these kinds); the others give
    /// kind and address alone.
    Only(Vec<(LayerKind, usize)>),
    /// No output: kinds and addresses alone (the order of the calls).
    Nothing,
}

thread_local! {
    static ON: Cell<bool> = const { Cell::new(false) };
    static CALLS: RefCell<(Vec<Call>, Option<Keep>)> = const { RefCell::new((Vec::new(), None)) };
}

/// The address that names a module: its data pointer.
pub(crate) fn address<M: Module + ?Sized>(m: &M) -> usize {
    (m as *const M).cast::<()>() as usize
}

/// Run `f` (a forward pass) with recording on for this thread; returns its result and the
/// calls in the order they finished. Recordings do not nest: an inner `record` takes the
/// calls made inside it, and the outer one resumes after it.
pub(crate) fn record<T>(keep: Keep, f: impl FnOnce() -> T) -> (T, Vec<Call>) {
    let saved = CALLS.with(|c| std::mem::replace(&mut *c.borrow_mut(), (Vec::new(), Some(keep))));
    let was = ON.with(|on| on.replace(true));
    // Restore the state even if `f` panics, so a caught panic leaves recording as it was.
    struct Restore(bool, Option<(Vec<Call>, Option<Keep>)>);
    impl Drop for Restore {
        fn drop(&mut self) {
            ON.with(|on| on.set(self.0));
            if let Some(saved) = self.1.take() {
                CALLS.with(|c| *c.borrow_mut() = saved);
            }
        }
    }
    let guard = Restore(was, Some(saved));
    let out = f();
    let calls = CALLS.with(|c| std::mem::take(&mut c.borrow_mut().0));
    drop(guard);
    (out, calls)
}

/// The end of a layer's forward pass: `f` computes the output, which is recorded (kind,
/// address, and a copy when kept) if this thread records and `f` succeeded.
#[inline]
pub(crate) fn traced<M: Module + ?Sized>(
    layer: &M,
    f: impl FnOnce() -> Result<ArrayD<f32>>,
) -> Result<ArrayD<f32>> {
    let out = f()?;
    if ON.with(Cell::get) {
        push(layer.kind(), address(layer), &out);
    }
    Ok(out)
}

#[cold]
fn push(kind: LayerKind, addr: usize, out: &ArrayD<f32>) {
    CALLS.with(|c| {
        let mut c = c.borrow_mut();
        let keep = match &c.1 {
            Some(Keep::All) => true,
            Some(Keep::Only(layers)) => layers.contains(&(kind, addr)),
            Some(Keep::Nothing) => false,
            None => return,
        };
        let output = keep.then(|| out.clone());
        c.0.push(Call { kind, addr, output });
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::{Linear, ReLU, Sequential};
    use crate::module::Forward;
    use crate::rng::Seed;

    #[test]
    fn records_only_inside_record_and_keeps_what_was_asked() {
        let net = Sequential::new()
            .push(Linear::<3, 4>::new(&mut Seed::new(0)).unwrap())
            .push(ReLU)
            .push(Linear::<4, 2>::new(&mut Seed::new(1)).unwrap());
        let x = ArrayD::<f32>::ones(vec![5, 3]);
        let _ = net.forward(x.view()).unwrap();
        let (y, calls) = record(Keep::All, || net.forward(x.view()));
        let y = y.unwrap();
        let kinds: Vec<_> = calls.iter().map(|c| c.kind).collect();
        assert_eq!(kinds, [LayerKind::Linear, LayerKind::ReLU, LayerKind::Linear]);
        assert_eq!(calls[2].output.as_ref().unwrap(), &y);
        assert_eq!(calls[0].addr, address(net.get(0).unwrap()));
        let first = net.get(0).unwrap();
        let (_, calls) =
            record(Keep::Only(vec![(LayerKind::Linear, address(first))]), || net.forward(x.view()));
        let kept: Vec<bool> = calls.iter().map(|c| c.output.is_some()).collect();
        assert_eq!(kept, [true, false, false]);
        // Off again: nothing is left over for the next recording.
        let (_, calls) = record(Keep::All, || Ok::<_, ()>(()));
        assert!(calls.is_empty());
    }
}
