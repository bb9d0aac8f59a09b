//! Which rule fills a parameter, over every combination of a field's own `#[init]` form and a
//! struct-rule form, with the struct rule on the same struct and on an enclosing one; values
//! and `origin()` are both checked. Then runtime `Rules` on a derived model, and two struct
//! rules of one struct that match one parameter.
//!
//! The rule under test (docs/derive.md, "Precedence"): the field's own attribute wins, then
//! the nearest struct's rules (in declaration order), then the next struct out, then the
//! layer's default.

use init::prelude::*;

/// What a field form sets: the parameter (`weight` or `bias` of `fc: Linear<2, 3>`), its
/// values, and the scheme as its origin prints it.
type FieldExpect = fn(&str) -> Option<(Vec<f32>, &'static str)>;

fn field_scheme(p: &str) -> Option<(Vec<f32>, &'static str)> {
    (p == "weight").then(|| (vec![3.0; 6], "constant(3.0)"))
}
fn field_values(p: &str) -> Option<(Vec<f32>, &'static str)> {
    (p == "weight").then(|| (vec![1.0, 2.0, 1.0, 2.0, 1.0, 2.0], "values = [[1.0, 2.0]]"))
}
fn field_weight(p: &str) -> Option<(Vec<f32>, &'static str)> {
    field_scheme(p)
}
fn field_bias(p: &str) -> Option<(Vec<f32>, &'static str)> {
    (p == "bias").then(|| (vec![2.0; 3], "constant(2.0)"))
}
fn field_both(p: &str) -> Option<(Vec<f32>, &'static str)> {
    field_scheme(p).or_else(|| field_bias(p))
}

/// Check the four parameters `{prefix}fc.weight`, `fc.bias`, `other.weight`, `other.bias`:
/// `fc`'s own attribute (declared on struct `field_owner`) wins where it sets a parameter;
/// elsewhere the struct rule (`ones`, declared on `rule_owner`, origin `rule_origin`) where it
/// covers the parameter name; elsewhere Linear's default.
fn check(
    m: &dyn Module,
    prefix: &str,
    field: FieldExpect,
    field_owner: &str,
    covers: &[&str],
    rule_origin: &str,
    rule_owner: &str,
) {
    for layer in ["fc", "other"] {
        for p in ["weight", "bias"] {
            let path = format!("{prefix}{layer}.{p}");
            let got = m.get_parameter(&path).unwrap();
            let (values, origin) = match (layer == "fc").then(|| field(p)).flatten() {
                Some((v, scheme)) => (Some(v), format!("{scheme} by #[init] on {field_owner}.fc")),
                None if covers.contains(&p) => {
                    (Some(vec![1.0; got.numel()]), format!("ones by {rule_origin} on {rule_owner}"))
                }
                None => (None, "default: Linear".to_string()),
            };
            assert_eq!(got.origin(), Some(origin.as_str()), "origin of {path}");
            match values {
                Some(v) => assert_eq!(got.as_slice(), v.as_slice(), "values of {path}"),
                // Linear's default: U(-1/sqrt(2), 1/sqrt(2)), not constant.
                None => {
                    let s = got.as_slice();
                    let bound = 1.0 / 2f32.sqrt();
                    assert!(s.iter().all(|v| v.abs() <= bound), "{path} within the default bound");
                    assert!(s.iter().any(|&v| v != s[0]), "{path} is random, not constant");
                }
            }
        }
    }
}

/// One module per field form; in it, one module per struct-rule form, each with the rule on
/// the same struct (`Same`) and on an enclosing one (`Outer` around `Inner`).
macro_rules! precedence {
    ($($form:ident: $field:tt => [$($rule:ident: $struct:tt origin $origin:literal covers $covers:tt),* $(,)?])*) => {$(
        mod $form {$(
            mod $rule {
                use init::prelude::*;

                #[derive(Module)]
                #[init $struct]
                pub struct Same {
                    #[init $field]
                    pub fc: Linear<2, 3>,
                    pub other: Linear<2, 3>,
                }

                #[derive(Module)]
                pub struct Inner {
                    #[init $field]
                    pub fc: Linear<2, 3>,
                    pub other: Linear<2, 3>,
                }

                #[derive(Module)]
                #[init $struct]
                pub struct Outer {
                    pub inner: Inner,
                }

                #[test]
                fn on_the_same_struct() {
                    let m = Same::new(&mut Seed::new(7)).unwrap();
                    crate::check(&m, "", crate::$form, "Same", &$covers, $origin, "Same");
                }

                #[test]
                fn on_an_outer_struct() {
                    let m = Outer::new(&mut Seed::new(7)).unwrap();
                    crate::check(&m, "inner.", crate::$form, "Inner", &$covers, $origin, "Outer");
                }
            }
        )*}
    )*};
}

/// Every struct-rule form, for one field form.
macro_rules! every_struct_rule {
    ($($form:ident: $field:tt;)*) => {
        precedence! {$(
            $form: $field => [
                kind: (Linear = ones) origin "#[init(Linear = ...)]" covers ["weight"],
                kind_params: (Linear(weight = ones, bias = ones)) origin "#[init(Linear(...))]" covers ["weight", "bias"],
                kind_bias: (Linear(bias = ones)) origin "#[init(Linear(...))]" covers ["bias"],
                glob_weight: ("*.weight" = ones) origin "#[init(\"*.weight\" = ...)]" covers ["weight"],
                glob_bias: ("*.bias" = ones) origin "#[init(\"*.bias\" = ...)]" covers ["bias"],
                glob_all: ("*" = ones) origin "#[init(\"*\" = ...)]" covers ["weight", "bias"],
            ]
        )*}
    };
}

every_struct_rule! {
    field_scheme: (constant(3.0));
    field_values: (values = [[1, 2]]);
    field_weight: (weight = constant(3.0));
    field_bias: (bias = constant(2.0));
    field_both: (weight = constant(3.0), bias = constant(2.0));
}

/// The issue's own example: the thread's kernel on `conv1` under a torchvision-style kind
/// rule for every Conv2d.
#[test]
fn the_threads_kernel_survives_a_kind_rule_on_its_own_struct() {
    #[derive(Module)]
    #[init(Conv2d = kaiming_normal(nonlinearity = "relu"), BatchNorm2d(weight = ones, bias = zeros))]
    struct Net {
        #[init(values = [[0, 0, 0], [1, 1, 1], [2, 2, 2]])]
        conv1: Conv2d<1, 3, 3>,
        #[init(bias = constant(2.0))]
        bn: BatchNorm2d<3>,
        conv2: Conv2d<3, 3, 1>,
    }
    let net = Net::new(&mut Seed::new(0)).unwrap();
    let w = net.conv1.weight().unwrap();
    let row = |r: usize| w.as_slice()[r * 3..r * 3 + 3].to_vec();
    assert_eq!([row(0), row(1), row(2)], [[0.0; 3], [1.0; 3], [2.0; 3]]);
    assert_eq!(
        w.origin(),
        Some(
            "values = [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [2.0, 2.0, 2.0]] by #[init] on Net.conv1"
        )
    );
    let bn_bias = net.bn.bias().unwrap();
    assert_eq!(bn_bias.as_slice(), [2.0; 3]);
    assert_eq!(bn_bias.origin(), Some("constant(2.0) by #[init] on Net.bn"));
    assert_eq!(net.bn.weight().unwrap().origin(), Some("ones by #[init(BatchNorm2d(...))] on Net"));
    let k = net.conv2.weight().unwrap();
    assert!(
        k.origin().unwrap().starts_with("kaiming_normal(")
            && k.origin().unwrap().ends_with(" by #[init(Conv2d = ...)] on Net")
    );
    // Summary reports the same origins.
    let summary = Summary::of(&net).to_string();
    let row = |path: &str| summary.lines().find(|l| l.starts_with(path)).unwrap().to_string();
    assert!(row("bn.bias ").ends_with("constant(2.0) by #[init] on Net.bn"), "{summary}");
    assert!(
        row("conv1.weight ").ends_with(
            "values = [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [2.0, 2.0, 2.0]] by #[init] on Net.conv1"
        ),
        "{summary}"
    );
}

/// Two struct rules of one struct that match one parameter: the first declared wins, for a
/// kind rule before a glob and for a glob before a kind rule.
#[test]
fn between_two_struct_rules_the_first_declared_wins() {
    #[derive(Module)]
    #[init(Linear = zeros, "*.weight" = ones)]
    struct KindFirst {
        fc: Linear<2, 3>,
    }
    #[derive(Module)]
    #[init("*.weight" = ones, Linear = zeros)]
    struct GlobFirst {
        fc: Linear<2, 3>,
    }
    let a = KindFirst::new(&mut Seed::new(0)).unwrap();
    let w = a.fc.weight().unwrap();
    assert_eq!(w.as_slice(), [0.0; 6]);
    assert_eq!(w.origin(), Some("zeros by #[init(Linear = ...)] on KindFirst"));
    let b = GlobFirst::new(&mut Seed::new(0)).unwrap();
    let w = b.fc.weight().unwrap();
    assert_eq!(w.as_slice(), [1.0; 6]);
    assert_eq!(w.origin(), Some("ones by #[init(\"*.weight\" = ...)] on GlobFirst"));
}

#[derive(Module)]
#[init(Linear = ones)]
struct Declared {
    #[init(weight = constant(3.0))]
    fc: Linear<2, 3>,
    other: Linear<2, 3>,
    head: Linear<3, 1>,
}

/// Runtime rules in one set: a rule naming a module by path wins over kind and glob rules
/// added before it, and among kind and glob rules the first added wins.
#[test]
fn in_runtime_rules_a_module_rule_beats_kind_and_glob_rules() {
    let mut m = Declared::zeroed();
    let rules = Rules::new()
        .kind(LayerKind::Linear, "weight", Init::Zeros)
        .rule(Rule::glob("*.weight", Init::Ones).optional()) // loses to the kind rule
        .module("head", "weight", Init::Constant { value: 5.0 });
    let written = rules.apply(&mut m, &mut Seed::new(0)).unwrap();
    assert_eq!(written, ["fc.weight", "other.weight", "head.weight"]);
    // apply re-initializes after construction: the declared rules are not consulted.
    assert_eq!(m.fc.weight().unwrap().as_slice(), [0.0; 6]);
    assert_eq!(m.fc.weight().unwrap().origin(), Some("zeros by rule for Linear.weight"));
    assert_eq!(m.head.weight().unwrap().as_slice(), [5.0; 3]);
    assert_eq!(m.head.weight().unwrap().origin(), Some("constant(5.0) by rule for head.weight"));
}

/// `Rules::init_weights`: the runtime rules are the outermost set, so the model's own field
/// attribute and struct rule win over them, and they win over the layers' defaults.
#[test]
fn runtime_rules_in_init_weights_lose_to_the_models_own_declarations() {
    let mut m = Declared::zeroed();
    let rules = Rules::new()
        .rule(Rule::module("head", "weight", Init::Constant { value: 5.0 }).optional())
        .glob("*.bias", Init::Zeros);
    rules.init_weights(&mut m, &mut Seed::new(0)).unwrap();
    let p = |n: &str| m.get_parameter(n).unwrap();
    assert_eq!(p("fc.weight").as_slice(), [3.0; 6]);
    assert_eq!(p("fc.weight").origin(), Some("constant(3.0) by #[init] on Declared.fc"));
    assert_eq!(p("other.weight").as_slice(), [1.0; 6]);
    assert_eq!(p("other.weight").origin(), Some("ones by #[init(Linear = ...)] on Declared"));
    // head.weight: the struct's kind rule is nearer than the runtime module rule.
    assert_eq!(p("head.weight").as_slice(), [1.0; 3]);
    for b in ["fc.bias", "other.bias", "head.bias"] {
        assert!(p(b).as_slice().iter().all(|&v| v == 0.0), "{b}");
        assert_eq!(p(b).origin(), Some("zeros by rule \"*.bias\""));
    }
}

/// The same set with the shadowed rule not optional: refused before anything is written.
#[test]
fn a_runtime_rule_the_models_declarations_shadow_is_reported() {
    let mut m = Declared::zeroed();
    let rules = Rules::new()
        .module("head", "weight", Init::Constant { value: 5.0 })
        .glob("*.bias", Init::Zeros);
    let err = rules.init_weights(&mut m, &mut Seed::new(0)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "1 rule would set no parameter, so nothing was initialized (a rule meant to be optional can say so with Rule::optional):\n\t\
         constant(5.0) by rule for head.weight: every parameter it matches is set by another rule (head.weight by ones by #[init(Linear = ...)] on Declared)"
    );
    assert!(m.parameters().iter().all(|p| p.as_slice().iter().all(|&v| v == 0.0)));
}
