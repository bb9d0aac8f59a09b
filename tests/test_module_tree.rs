//! The module tree: names, orders and traversals against PyTorch's lists.

mod common;

use init::{Forward, Linear, Module, Seed};

#[test]
fn linear_names_default_init_and_forward_match_pytorch() {
    let fx = common::Fixture::load("linear");
    let seed: u64 = fx.meta["seed"].parse().unwrap();
    let mut fc = Linear::<5, 4>::new(&mut init::TorchGenerator::new(seed)).unwrap();
    fx.assert_state_eq(&fc, "init");
    common::Names::load("linear").assert_match(&mut fc);
    fx.load_into(&mut fc, "param");
    let y = fc.forward(fx.f32("input").view()).unwrap();
    common::assert_close(&y, &fx.f32("output"), "linear");
    let _ = Seed::new(0);
}
