//! `#[derive(Module)]`: what the generated code does.

use init::prelude::*;

#[derive(Module)]
#[init(Linear(bias = zeros))]
struct Mlp {
    #[init(kaiming_normal(nonlinearity = "relu"))]
    fc1: Linear<16, 32>,
    #[init(values = [[0.5]])]
    fc2: Linear<32, 4>,
    head: Option<Linear<4, 1>>,
    #[module(skip)]
    label: String,
}

#[test]
fn derived_struct_builds_and_initializes_in_one_pass() {
    let mlp = Mlp::new(&mut Seed::new(0)).unwrap();
    let names: Vec<String> = mlp.named_parameters().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]);
    assert!(mlp.fc2.weight().unwrap().as_slice().iter().all(|&w| w == 0.5));
    assert!(mlp.fc1.bias().unwrap().as_slice().iter().all(|&b| b == 0.0));
    assert_eq!(
        mlp.fc1.weight().unwrap().origin(),
        Some(r#"kaiming_normal(nonlinearity = "relu") by #[init] on Mlp.fc1"#)
    );
    assert_eq!(mlp.fc2.bias().unwrap().origin(), Some("zeros by #[init(Linear(...))] on Mlp"));
    assert!(mlp.head.is_none());
    assert_eq!(mlp.label, "");
}
