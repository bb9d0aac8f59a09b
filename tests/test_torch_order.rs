//! `init_weights_torch` / `Rules::apply_torch`: PyTorch's program "construct, then loop over
//! the modules applying the rules", draw for draw. Each expected value is computed by
//! running the same PyTorch program step by step with the imperative API on a
//! `TorchGenerator` (whose single calls are bit-exact with PyTorch, `test_torch_parity.rs`).

use init::prelude::*;
use init::{MultiheadAttention, TorchLoop};

const STD: f64 = 0.02;

fn normal(std: f64) -> Init {
    Init::Normal { mean: 0.0, std }
}

fn mlp() -> Sequential {
    Sequential::new().push(Linear::<4, 4>::zeroed()).push(Linear::<4, 2>::zeroed())
}

fn bits(m: &dyn Module) -> Vec<(String, Vec<u32>)> {
    m.named_parameters()
        .into_iter()
        .map(|(n, p)| (n, p.as_slice().iter().map(|v| v.to_bits()).collect()))
        .collect()
}

/// `p`'s handle at `path`, refilled with `init` from `rng` (one PyTorch `nn.init` call).
fn refill(m: &mut dyn Module, path: &str, init: Init, rng: &mut TorchGenerator) {
    init.apply(m.get_parameter_mut(path).unwrap(), rng).unwrap();
}

#[test]
fn construction_then_loop_makes_every_draw_of_the_pytorch_program() {
    // torch.manual_seed(3); net = Sequential(Linear(4, 4), Linear(4, 2))
    // for m in net.modules(): if isinstance(m, Linear): normal_(m.weight, std=0.02)
    let mut want = mlp();
    let mut rng = TorchGenerator::new(3);
    want.reset_parameters("", &mut rng).unwrap();
    refill(&mut want, "0.weight", normal(STD), &mut rng);
    refill(&mut want, "1.weight", normal(STD), &mut rng);

    let mut got = mlp();
    let rules = Rules::new().kind(LayerKind::Linear, "weight", normal(STD));
    let mut g = TorchGenerator::new(3);
    rules.init_weights_torch(&mut got, &mut g, TorchLoop::Modules).unwrap();
    assert_eq!(bits(&got), bits(&want));
    // Both generators are at the same word: the next draws agree.
    assert_eq!(g.random(), rng.random());
    // The one-fill engine skips the Linear weights' default draws: the biases differ.
    let mut one_fill = mlp();
    rules.init_weights(&mut one_fill, &mut TorchGenerator::new(3)).unwrap();
    assert_ne!(bits(&one_fill)[1], bits(&want)[1], "0.bias");
}

#[test]
fn a_parameter_matched_by_two_rules_draws_both_the_winner_last() {
    // Hugging Face's GPT-2: Conv1D's rule draws c_proj.weight, then its parent redraws it
    // with the scaled std; the scaled values stay.
    let rules = Rules::new()
        .glob("1.weight", normal(0.01)) // wins: declared first
        .kind(LayerKind::Linear, "weight", normal(STD));
    let mut want = mlp();
    let mut rng = TorchGenerator::new(7);
    want.reset_parameters("", &mut rng).unwrap();
    refill(&mut want, "0.weight", normal(STD), &mut rng);
    refill(&mut want, "1.weight", normal(STD), &mut rng);
    refill(&mut want, "1.weight", normal(0.01), &mut rng);

    let mut got = mlp();
    rules.init_weights_torch(&mut got, &mut TorchGenerator::new(7), TorchLoop::Apply).unwrap();
    assert_eq!(bits(&got), bits(&want));
    let w = got.get_parameter("1.weight").unwrap();
    assert_eq!(w.origin(), Some("normal(std = 0.01) by rule \"1.weight\""));
}

#[test]
fn modules_visits_a_module_before_its_children_and_apply_after() {
    // MultiheadAttention owns in_proj_weight and has the child out_proj.
    type Mha = MultiheadAttention<8, 2>;
    let rules = Rules::new().glob("*weight", normal(STD));
    for (order, paths) in [
        (TorchLoop::Modules, ["in_proj_weight", "out_proj.weight"]),
        (TorchLoop::Apply, ["out_proj.weight", "in_proj_weight"]),
    ] {
        let mut want = Mha::zeroed();
        let mut rng = TorchGenerator::new(11);
        want.reset_parameters("", &mut rng).unwrap();
        for p in paths {
            refill(&mut want, p, normal(STD), &mut rng);
        }
        let mut got = Mha::zeroed();
        rules.init_weights_torch(&mut got, &mut TorchGenerator::new(11), order).unwrap();
        assert_eq!(bits(&got), bits(&want), "{order:?}");
    }
}

#[test]
fn apply_torch_runs_the_loop_alone_and_lists_paths_in_loop_order() {
    let rules = Rules::new().glob("*weight", normal(STD)).glob("*bias", Init::Zeros);
    let mut got = Sequential::new().push(MultiheadAttention::<8, 2>::zeroed());
    let mut rng = TorchGenerator::new(1);
    let written = rules.apply_torch(&mut got, &mut rng, TorchLoop::Apply).unwrap();
    assert_eq!(
        written,
        ["0.out_proj.weight", "0.out_proj.bias", "0.in_proj_weight", "0.in_proj_bias"]
    );
    let mut want = Sequential::new().push(MultiheadAttention::<8, 2>::zeroed());
    let mut rng = TorchGenerator::new(1);
    refill(&mut want, "0.out_proj.weight", normal(STD), &mut rng);
    refill(&mut want, "0.in_proj_weight", normal(STD), &mut rng);
    assert_eq!(bits(&got), bits(&want));
    // A rule that sets nothing is refused before anything is drawn, as in `apply`.
    let err = Rules::new()
        .glob("*.running_mean", Init::Zeros)
        .apply_torch(&mut got, &mut rng, TorchLoop::Modules)
        .unwrap_err();
    assert!(err.to_string().contains("matches no parameter"), "{err}");
}

#[test]
fn a_counter_based_generator_gets_one_fill_per_parameter_with_the_same_values() {
    let rules =
        Rules::new().glob("1.weight", normal(0.01)).kind(LayerKind::Linear, "weight", normal(STD));
    let mut torch_order = mlp();
    rules.init_weights_torch(&mut torch_order, &mut Seed::new(5), TorchLoop::Apply).unwrap();
    let mut one_fill = mlp();
    rules.init_weights(&mut one_fill, &mut Seed::new(5)).unwrap();
    assert_eq!(bits(&torch_order), bits(&one_fill));
    for ((_, a), (_, b)) in
        torch_order.named_parameters().into_iter().zip(one_fill.named_parameters())
    {
        assert_eq!(a.origin(), b.origin());
    }
}
