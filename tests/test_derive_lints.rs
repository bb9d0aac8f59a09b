//! The expansion is lint-clean and names only `::init::...` and `::core`/`::std` paths: it
//! compiles under `deny(unused_qualifications)` with the user's own `Result`, `Option`,
//! `Vec`, `Box` and `Default` in scope.
#![deny(unused_qualifications, missing_docs)]

#[allow(dead_code)]
struct Result;
#[allow(dead_code)]
struct Option;
#[allow(dead_code)]
struct Vec;
#[allow(dead_code)]
struct Box;
#[allow(dead_code)]
trait Default {}

/// A network.
#[derive(init::Module)]
#[init(Linear(bias = zeros))]
pub struct Net {
    #[init(xavier_uniform(gain = 2.0))]
    fc: init::Linear<3, 4>,
    head: std::option::Option<init::Linear<4, 1>>,
    #[module(skip)]
    steps: u64,
}

#[test]
fn expansion_compiles_with_shadowing_names_in_scope() {
    let net = Net::new(&mut init::Seed::new(0)).unwrap();
    assert_eq!(init::Module::num_parameters(&net), 16);
    assert_eq!(net.steps, 0);
    assert!(net.head.is_none());
}
