//! `from_bytes` on arbitrary bytes: never a panic (libFuzzer also catches aborts, out-of-memory
//! and, under the address sanitizer, out-of-bounds reads); what loads, the safetensors crate
//! accepts too (our own checks are the only ones made: none of the crate's may be missing);
//! what we reject, the crate rejects too, except where we are stricter on purpose; and what
//! loads writes back and loads again bit-identical, keys in the same order.
#![no_main]

use init_core::safetensors::{from_bytes, to_bytes};
use init_core::{ErrorKind, FileError, StateDict, Tensor};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match from_bytes(data) {
        Ok(loaded) => {
            assert!(safetensors::SafeTensors::deserialize(data).is_ok(), "only the crate rejects");
            let bytes = to_bytes(&loaded.state).expect("a loaded state dict writes");
            let again = from_bytes(&bytes).expect("what we write loads");
            assert!(again.conversions.is_empty());
            assert_same(&loaded.state, &again.state);
        }
        Err(e) => {
            // Stricter than the crate on purpose: a name twice (the crate keeps the last),
            // dimensions no array can have even with zero elements, dtypes we do not hold.
            let stricter = matches!(
                e.kind(),
                ErrorKind::File(
                    FileError::DuplicateTensor { .. }
                        | FileError::ShapeOverflow { .. }
                        | FileError::UnsupportedDtype { .. }
                )
            );
            if !stricter {
                assert!(safetensors::SafeTensors::deserialize(data).is_err(), "only we reject: {e}");
            }
        }
    }
});

fn assert_same(a: &StateDict, b: &StateDict) {
    assert!(a.keys().eq(b.keys()));
    for ((_, x), (_, y)) in a.iter().zip(b.iter()) {
        assert_eq!(x.shape(), y.shape());
        match (x, y) {
            (Tensor::F32(x), Tensor::F32(y)) => {
                assert!(x.iter().zip(y.iter()).all(|(p, q)| p.to_bits() == q.to_bits()))
            }
            (Tensor::I64(x), Tensor::I64(y)) => assert_eq!(x, y),
            _ => panic!("dtype changed"),
        }
    }
}
