//! Compile-time errors of `#[derive(Module)]`: one mistake per `tests/ui/<mistake>.rs`, its
//! reviewed message in the `.stderr` beside it (regenerate with `TRYBUILD=overwrite`).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
