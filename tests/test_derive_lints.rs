//! The expansion is lint-clean and names only `::init::...` and `::core`/`::std` paths: it
//! compiles under `deny(unused_qualifications)` with the user's own `Result`, `Option`,
//! `Vec`, `Box` and `Default` in scope.
#![deny(unused_qualifications, missing_docs)]

use init::ndarray::ArrayD;

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

const LAYERS: usize = 2;

/// A chain of layers.
#[derive(init::Module)]
#[module(sequential)]
pub struct Chain<const D: usize>(init::Linear<3, D>, init::ReLU, Block<D>);

/// A generic block.
#[derive(init::Module)]
#[module(sequential)]
pub struct Block<const D: usize> {
    fc: init::Linear<D, D>,
}

/// A network.
#[derive(init::Module)]
#[init(Linear(bias = zeros))]
pub struct Net {
    #[init(xavier_uniform(gain = 2.0))]
    fc: init::Linear<3, 4>,
    #[module(filled_later)]
    head: std::option::Option<init::Linear<4, 1>>,
    #[module(present = 2 > 1)]
    tail: std::option::Option<init::Linear<4, 1>>,
    #[module(len = LAYERS)]
    blocks: std::vec::Vec<init::Linear<4, 4>>,
    #[module(skip)]
    steps: u64,
}

const DEPTH: usize = 2;

/// Every attribute form of issue [7]: bare tensors, settings, expressions, `each(i)`.
#[derive(init::Module)]
pub struct Forms<const D: usize> {
    #[param(shape = [1, D])]
    #[init(normal(std = 0.02 / sqrt(DEPTH as f64)))]
    token: init::Param,
    #[param(shape = [D])]
    gamma: init::Param,
    #[buffer(shape = [D, D], persistent = false)]
    #[init(ones)]
    mask: init::Buffer,
    #[layer(eps = 1e-6, elementwise_affine = false)]
    norm: init::LayerNorm<D>,
    #[layer(padding_idx = 0)]
    wte: init::Embedding<4, D>,
    #[layer(momentum = None)]
    bn: init::BatchNorm1d<D>,
    #[init(each(i) "weight" = normal(std = 0.02 / sqrt((i + 1) as f64)))]
    blocks: [init::Linear<D, D>; DEPTH],
}

#[test]
fn every_attribute_form_expands_lint_clean() {
    let forms = Forms::<4>::new(&mut init::Seed::new(0)).unwrap();
    assert_eq!(init::Module::named_buffers(&forms).len(), 4);
}

#[test]
fn expansion_compiles_with_shadowing_names_in_scope() {
    let net = Net::new(&mut init::Seed::new(0)).unwrap();
    assert_eq!(init::Module::num_parameters(&net), 16 + 5 + 40);
    let chain = Chain::<4>::new(&mut init::Seed::new(0)).unwrap();
    let x = ArrayD::<f32>::zeros(vec![2, 3]);
    assert_eq!(init::Forward::forward(&chain, x.view()).unwrap().shape(), &[2, 4]);
    assert_eq!(net.steps, 0);
    assert!(net.head.is_none());
}
