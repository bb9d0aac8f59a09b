//! A model too large for the machine's memory: `new()` returns the allocator's refusal as
//! its error (naming the shape and the bytes), where `zeroed()`, infallible by contract,
//! panics with the same words instead of aborting.

use init::prelude::*;

mod too_big {
    use init::prelude::*;

    /// 2^23 x 2^23 f32s: 256 TiB, more than an x86-64 process can address.
    #[derive(Module)]
    pub struct Huge {
        pub small: Linear<4, 4>,
        pub fc: Linear<{ 1 << 23 }, { 1 << 23 }, false>,
    }

    /// 2^40 layers: the list alone is more memory than there is.
    #[derive(Module)]
    pub struct Long {
        #[module(len = 1 << 40)]
        pub h: Vec<Linear<4, 4>>,
    }

    /// A bare parameter too large.
    #[derive(Module)]
    pub struct Bare {
        #[param(shape = [1 << 23, 1 << 23])]
        pub table: Param,
    }
}

#[test]
fn a_model_too_large_for_memory_is_an_error_from_new() {
    let err = too_big::Huge::new(&mut Seed::new(0)).err().unwrap();
    assert_eq!(
        err.to_string(),
        "shape [8388608, 8388608] needs 281474976710656 bytes, which could not be allocated"
    );
    let err = too_big::Long::new(&mut Seed::new(0)).err().unwrap();
    let bytes = (1usize << 40) * size_of::<Linear<4, 4>>();
    assert_eq!(
        err.to_string(),
        format!("shape [1099511627776] needs {bytes} bytes, which could not be allocated")
    );
    let err = too_big::Bare::new(&mut Seed::new(0)).err().unwrap();
    assert!(err.to_string().contains("needs 281474976710656 bytes"), "{err}");
    // Afterwards, building works as before on this thread.
    assert!(Linear::<4, 4>::new(&mut Seed::new(0)).is_ok());
    assert_eq!(Param::zeros(&[2, 3]).numel(), 6);
}

#[test]
fn zeroed_still_panics_on_a_model_too_large_for_memory() {
    let caught = std::panic::catch_unwind(too_big::Huge::zeroed);
    let msg = caught.err().unwrap();
    let msg = msg.downcast_ref::<String>().unwrap();
    assert!(msg.contains("which could not be allocated"), "{msg}");
}
