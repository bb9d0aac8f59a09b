//! The textbook facts about initialization, on the networks of `examples/which_init.rs`
//! (20 layers of Linear(256, 256) + ReLU or tanh, a batch of 512 N(0, 1) inputs): each
//! scheme's std of the Linear outputs against what the variance recursion predicts, with the
//! tolerance stated next to each assertion. Finite width (256) makes each layer's variance
//! gain random around its mean (relative std about sqrt(2 / 256) ≈ 9% per layer), hence the
//! bands; each band excludes the other schemes' curves, so none is vacuous.

#[path = "../examples/which_init.rs"]
#[allow(dead_code)]
mod which_init;

use std::sync::OnceLock;

use init::{Comparison, FlagKind, Series};

fn run() -> &'static (Comparison, Comparison) {
    static RUN: OnceLock<(Comparison, Comparison)> = OnceLock::new();
    RUN.get_or_init(|| which_init::run().expect("the example runs"))
}

fn stds(s: &Series) -> Vec<f64> {
    s.points().into_iter().map(|(_, v)| v).collect()
}

fn series<'a>(cmp: &'a Comparison, name: &str) -> &'a Series {
    cmp.get(name).unwrap_or_else(|| panic!("no candidate {name}"))
}

fn has(s: &Series, kind: FlagKind) -> bool {
    s.report.flags().iter().any(|f| f.kind == kind)
}

fn within(got: f64, want: f64, rel: f64, what: &str) {
    assert!((got / want - 1.0).abs() <= rel, "{what}: {got} is not within {rel} of {want}");
}

/// E[tanh(z)²] for z ~ N(0, v), by the trapezoid rule on [-8, 8] standard deviations.
fn tanh_second_moment(v: f64) -> f64 {
    let n = 4000;
    let h = 16.0 / n as f64;
    (0..=n)
        .map(|i| {
            let z = -8.0 + i as f64 * h;
            let w = if i == 0 || i == n { 0.5 } else { 1.0 } * h;
            w * (-z * z / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt()
                * (v.sqrt() * z).tanh().powi(2)
        })
        .sum()
}

/// The fixed point of v = gain² E[tanh(z)²], z ~ N(0, v): the variance a tanh MLP with
/// weight variance gain² / fan_in settles at.
fn tanh_fixed_point(gain2: f64) -> f64 {
    let mut v = 1.0;
    for _ in 0..500 {
        v = gain2 * tanh_second_moment(v);
    }
    v
}

#[test]
fn kaiming_keeps_the_relu_std_constant() {
    let s = stds(series(&run().0, "kaiming_normal(relu)"));
    assert_eq!(s.len(), 20);
    // Layer 1: var = fan_in · (2 / fan_in) · E[x²] = 2.
    within(s[0], 2f64.sqrt(), 0.05, "kaiming layer 1");
    // Then E[relu(z)²] = var / 2 exactly cancels the gain 2: every layer within 0.5x-2x of
    // layer 1 (the other schemes leave this band by layer 3).
    for (i, v) in s.iter().enumerate() {
        assert!((0.5..=2.0).contains(&(v / s[0])), "kaiming layer {}: {v} vs {}", i + 1, s[0]);
    }
    assert!(!has(series(&run().0, "kaiming_normal(relu)"), FlagKind::Vanishing));
}

#[test]
fn pytorch_default_shrinks_the_relu_std_to_the_bias_floor() {
    let series = series(&run().0, "PyTorch default");
    let s = stds(series);
    // kaiming_uniform(a = √5) is U(±1/√fan_in): weight variance 1 / (3 fan_in); the bias
    // U(±1/√fan_in) adds 1 / (3 · 256) = 1/768. Layer 1: 1/3 + 1/768.
    within(s[0], (1.0 / 3.0 + 1.0 / 768.0f64).sqrt(), 0.05, "default layer 1");
    // Each Linear + ReLU: var' = var / 6 + 1/768 (5%-10%: one layer of finite width).
    within(s[1], (s[0] * s[0] / 6.0 + 1.0 / 768.0).sqrt(), 0.10, "default layer 2");
    // ... down to the fixed point var = 6/5 · 1/768: std 0.0395 (20%: the floor is made of
    // 256 random biases).
    within(s[19], (6.0 / 5.0 / 768.0f64).sqrt(), 0.20, "default layer 20");
    assert!(s[19] / s[0] < 0.1, "default: the std falls by more than 10x");
    assert!(has(series, FlagKind::Vanishing));
}

#[test]
fn small_and_unscaled_weights_vanish_on_relu() {
    // normal(0.01): var' = 256 · 1e-4 · var / 2, a factor 0.1131 per layer in std.
    let s = stds(series(&run().0, "normal(0.01)"));
    within(s[0], 0.16, 0.05, "normal(0.01) layer 1");
    within(s[19], 0.16 * (256.0 * 1e-4 / 2.0f64).sqrt().powi(19), 1.0, "normal(0.01) layer 20");
    // xavier_normal with gain 1 (for tanh, not ReLU): 1/√2 per layer, 2^(-19/2) over the net.
    let s = stds(series(&run().0, "xavier_normal"));
    within(s[19] / s[0], 2f64.powf(-9.5), 1.0, "xavier_normal on ReLU, last/first");
    assert!(has(series(&run().0, "xavier_normal"), FlagKind::Vanishing));
}

#[test]
fn lsuv_sets_every_relu_pre_activation_to_unit_variance() {
    let s = stds(series(&run().0, "LSUV"));
    // |var - 1| < 0.1 (the paper's tolerance): std in [√0.9, √1.1].
    for (i, v) in s.iter().enumerate() {
        assert!((0.9f64.sqrt()..=1.1f64.sqrt()).contains(v), "LSUV layer {}: {v}", i + 1);
    }
}

#[test]
fn xavier_with_the_tanh_gain_keeps_the_tanh_std_in_a_band() {
    let series = series(&run().1, "xavier_normal(tanh gain)");
    let s = stds(series);
    // Layer 1: var = gain² = 25/9.
    within(s[0], 5.0 / 3.0, 0.05, "xavier tanh layer 1");
    // Every layer within 0.5x-2x of layer 1 ...
    for (i, v) in s.iter().enumerate() {
        assert!((0.5..=2.0).contains(&(v / s[0])), "xavier tanh layer {}: {v}", i + 1);
    }
    // ... settling at the fixed point of var = (25/9) E[tanh²] (1.086), within 10%.
    within(s[19], tanh_fixed_point(25.0 / 9.0).sqrt(), 0.10, "xavier tanh layer 20");
    assert!(!has(series, FlagKind::Saturated) && !has(series, FlagKind::Vanishing));
}

#[test]
fn pytorch_default_and_small_weights_vanish_on_tanh() {
    let series = series(&run().1, "PyTorch default");
    let s = stds(series);
    // var' = var / 3 (tanh is linear near 0) + 1/768, fixed point 1/512: std 0.0442 (20%).
    within(s[19], (1.0 / 512.0f64).sqrt(), 0.20, "default tanh layer 20");
    assert!(s[19] / s[0] < 0.1 && has(series, FlagKind::Vanishing));
    let s = stds(self::series(&run().1, "normal(0.01)"));
    // 0.16 per layer (256 · 1e-4 in variance), within 2x over 19 layers.
    within(s[19], 0.16 * 0.16f64.powi(19), 1.0, "normal(0.01) tanh layer 20");
}

#[test]
fn unit_normal_weights_saturate_tanh() {
    let series = series(&run().1, "normal(1)");
    // Pre-activations of std √(256 E[tanh²]) ≈ 15.5: P(|z| > atanh(0.99) = 2.647) ≈ 0.864.
    let tanh_rows: Vec<f64> = series.report.rows().iter().filter_map(|r| r.saturated).collect();
    assert_eq!(tanh_rows.len(), 20);
    for (i, s) in tanh_rows.iter().enumerate() {
        assert!((0.82..=0.90).contains(s), "normal(1) tanh {}: {s} saturated", i + 1);
    }
    assert!(has(series, FlagKind::Saturated));
    // With xavier(tanh gain) the first tanh sees std 5/3: P(|z| > 2.647) = 0.11, under the
    // 20% threshold.
    let xavier = self::series(&run().1, "xavier_normal(tanh gain)");
    let first = xavier.report.rows().iter().find_map(|r| r.saturated).unwrap();
    assert!((0.08..=0.14).contains(&first), "xavier tanh 1: {first}");
}

#[test]
fn kaiming_relu_gain_on_tanh_settles_where_the_recursion_says() {
    // var = 2 E[tanh²]: fixed point 0.786 in std (10%).
    let s = stds(series(&run().1, "kaiming_normal(relu)"));
    within(s[19], tanh_fixed_point(2.0).sqrt(), 0.10, "kaiming(relu) on tanh layer 20");
}
