//! Initialization rules: declared by modules (what `#[init(...)]` becomes) and built at run
//! time; precedence, exactly-once fills, PyTorch parity when no rule applies, provenance.

use init::{
    Init, LayerKind, Linear, Module, ModuleExt, Rule, Rules, Seed, Sequential, TorchGenerator,
    Visitor, VisitorMut,
};

/// A hand-written stand-in for a derived struct: `#[init(Linear = zeros)]` on the struct and
/// `#[init(weight = ones)]` on field `b`.
struct Pair {
    a: Linear<4, 3>,
    b: Linear<3, 2>,
}

impl Module for Pair {
    fn kind(&self) -> LayerKind {
        LayerKind::Custom("Pair")
    }
    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        v.module("a", &self.a);
        v.module("b", &self.b);
    }
    fn visit_mut<'a>(&'a mut self, v: &mut dyn VisitorMut<'a>) {
        v.module("a", &mut self.a);
        v.module("b", &mut self.b);
    }
    fn init_rules(&self) -> Vec<Rule> {
        vec![
            Rule::module("b", "weight", Init::Ones).with_origin("#[init(weight = ones)] on Pair.b"),
            Rule::kind(LayerKind::Linear, "weight", Init::Zeros)
                .with_origin("#[init(Linear = zeros)] on Pair"),
        ]
    }
}

fn pair() -> Pair {
    Pair { a: Linear::zeroed(), b: Linear::zeroed() }
}

#[test]
fn field_rule_beats_struct_rule_beats_default() {
    let mut p = pair();
    p.init_weights(&mut Seed::new(1)).unwrap();
    let get = |n: &str| p.get_parameter(n).unwrap();
    assert!(get("a.weight").as_slice().iter().all(|&v| v == 0.0));
    assert!(get("b.weight").as_slice().iter().all(|&v| v == 1.0));
    // Biases: no rule, so Linear's default U(-1/sqrt(in), 1/sqrt(in)), not all zero.
    assert!(get("a.bias").as_slice().iter().any(|&v| v != 0.0));
    assert!(get("a.bias").as_slice().iter().all(|&v| v.abs() <= 0.5));
    assert_eq!(get("a.weight").origin(), Some("zeros by #[init(Linear = zeros)] on Pair"));
    assert_eq!(get("b.weight").origin(), Some("ones by #[init(weight = ones)] on Pair.b"));
    assert_eq!(get("b.bias").origin(), Some("default: Linear"));
}

#[test]
fn nearest_declaring_module_wins() {
    // An outer sequence holding a Pair: the outer runtime rule for every Linear weight loses
    // to nothing here because runtime rules apply alone; declared rules are nested frames.
    struct Outer {
        inner: Pair,
        head: Linear<2, 2>,
    }
    impl Module for Outer {
        fn kind(&self) -> LayerKind {
            LayerKind::Custom("Outer")
        }
        fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
            v.module("inner", &self.inner);
            v.module("head", &self.head);
        }
        fn visit_mut<'a>(&'a mut self, v: &mut dyn VisitorMut<'a>) {
            v.module("inner", &mut self.inner);
            v.module("head", &mut self.head);
        }
        fn init_rules(&self) -> Vec<Rule> {
            vec![Rule::kind(LayerKind::Linear, "weight", Init::Constant { value: 0.5 })]
        }
    }
    let mut o = Outer { inner: pair(), head: Linear::zeroed() };
    o.init_weights(&mut Seed::new(0)).unwrap();
    let get = |n: &str| o.get_parameter(n).unwrap().as_slice().to_vec();
    assert!(get("inner.a.weight").iter().all(|&v| v == 0.0), "Pair's own rule is nearer");
    assert!(get("inner.b.weight").iter().all(|&v| v == 1.0));
    assert!(get("head.weight").iter().all(|&v| v == 0.5), "Outer's rule reaches its own field");
}

#[test]
fn without_rules_init_weights_is_pytorchs_default_bit_for_bit() {
    // torch.manual_seed(7); Sequential(Linear(4, 8), Linear(8, 2)): the same draws as
    // building each layer with TorchGenerator in order.
    let mut seq = Sequential::new().push(Linear::<4, 8>::zeroed()).push(Linear::<8, 2>::zeroed());
    seq.init_weights(&mut TorchGenerator::new(7)).unwrap();
    let mut g = TorchGenerator::new(7);
    let a = Linear::<4, 8>::new(&mut g).unwrap();
    let b = Linear::<8, 2>::new(&mut g).unwrap();
    let p = seq.named_parameters();
    assert_eq!(p[0].1, a.weight().unwrap());
    assert_eq!(p[1].1, a.bias().unwrap());
    assert_eq!(p[2].1, b.weight().unwrap());
    assert_eq!(p[3].1, b.bias().unwrap());
    assert!(p.iter().all(|(_, p)| p.origin() == Some("default: Linear")));
}

#[test]
fn runtime_rules_touch_only_what_they_match() {
    let mut seq = Sequential::new().push(Linear::<4, 8>::zeroed()).push(Linear::<8, 2>::zeroed());
    seq.init_weights(&mut Seed::new(0)).unwrap();
    let before = seq.get_parameter("0.weight").unwrap().clone();
    let rules = Rules::new().glob("1.*", Init::Zeros).glob("*.bias", Init::Ones);
    let written = rules.apply(&mut seq, &mut Seed::new(5)).unwrap();
    assert_eq!(written, ["0.bias", "1.weight", "1.bias"]);
    assert_eq!(seq.get_parameter("0.weight").unwrap(), &before);
    // First matching rule wins: "1.bias" matches "1.*" before "*.bias".
    assert!(seq.get_parameter("1.bias").unwrap().as_slice().iter().all(|&v| v == 0.0));
    assert!(seq.get_parameter("0.bias").unwrap().as_slice().iter().all(|&v| v == 1.0));
}

#[test]
fn a_rule_that_does_not_fit_names_the_parameter() {
    let mut seq = Sequential::new().push(Linear::<4, 8>::zeroed());
    let rules = Rules::new().glob("*.bias", Init::Orthogonal { gain: 1.0 });
    let err = rules.apply(&mut seq, &mut Seed::new(0)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "0.bias: orthogonal needs a tensor with at least 2 dimensions, got shape [8]"
    );
}

#[test]
fn each_parameter_is_filled_once() {
    // A counting generator: the weight ruled by `ones` draws nothing; the bias draws once.
    struct Count(Seed, Vec<String>);
    impl init::Generator for Count {
        fn fill(&mut self, path: &str, dist: init::Dist, out: &mut [f32]) {
            self.1.push(path.to_string());
            init::Generator::fill(&mut self.0, path, dist, out);
        }
        fn fill_bits(&mut self, path: &str, offset: u64, out: &mut [u32]) {
            self.1.push(path.to_string());
            self.0.fill_bits(path, offset, out);
        }
    }
    let mut p = pair();
    let mut g = Count(Seed::new(0), Vec::new());
    p.init_weights(&mut g).unwrap();
    assert_eq!(g.1, ["a.bias", "b.bias"]);
}

/// A runtime rule that sets nothing: a typo in a glob, a kind the model does not hold, a
/// parameter name the kind does not have, a rule every match of which an earlier rule
/// takes. All are listed in one error, before anything is written.
#[test]
fn runtime_rules_that_set_nothing_are_refused_before_any_write() {
    let mut seq = Sequential::new().push(Linear::<4, 8>::zeroed()).push(Linear::<8, 2>::zeroed());
    let rules = Rules::new()
        .glob("*.weight", Init::Ones)
        .glob("*.biass", Init::Zeros)
        .kind(LayerKind::Conv2d, "weight", Init::Zeros)
        .kind(LayerKind::Linear, "bais", Init::Zeros)
        .kind(LayerKind::Linear, "weight", Init::Zeros);
    let err = rules.apply(&mut seq, &mut Seed::new(0)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "4 rules would set no parameter, so nothing was initialized (a rule meant to be optional can say so with Rule::optional):\n\t\
         zeros by rule \"*.biass\": matches no parameter\n\t\
         zeros by rule for Conv2d.weight: matches no parameter\n\t\
         zeros by rule for Linear.bais: matches no parameter\n\t\
         zeros by rule for Linear.weight: every parameter it matches is set by another rule (0.weight by ones by rule \"*.weight\")"
    );
    assert!(matches!(err.kind(), init::ErrorKind::UnusedRules { lines } if lines.len() == 4));
    assert!(seq.parameters().iter().all(|p| p.as_slice().iter().all(|&v| v == 0.0)));
    assert!(seq.parameters().iter().all(|p| p.origin().is_none()));
}

/// `Rule::optional` opts one rule out of the check, and only that rule.
#[test]
fn an_optional_rule_may_set_nothing() {
    let mut seq = Sequential::new().push(Linear::<4, 8, false>::zeroed());
    let rules = Rules::new()
        .rule(Rule::glob("*.bias", Init::Zeros).optional())
        .glob("*.weight", Init::Ones);
    assert_eq!(rules.apply(&mut seq, &mut Seed::new(0)).unwrap(), ["0.weight"]);
    let strict = Rules::new().glob("*.bias", Init::Zeros).glob("*.weight", Init::Ones);
    let err = strict.apply(&mut seq, &mut Seed::new(0)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "1 rule would set no parameter, so nothing was initialized (a rule meant to be optional can say so with Rule::optional):\n\t\
         zeros by rule \"*.bias\": matches no parameter"
    );
    // Rules::init_weights applies the same check.
    let err = strict.init_weights(&mut seq, &mut Seed::new(0)).unwrap_err();
    assert!(matches!(err.kind(), init::ErrorKind::UnusedRules { lines } if lines.len() == 1));
}

/// Every call of `Level::init_rules`, across the test binary (only the test below builds
/// `Level`s).
static LEVEL_RULE_CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A chain of modules, `next` before `fc`, whose only declared rule sits at the bottom: the
/// walk has to look through the whole chain below every level to find it.
struct Level {
    next: Vec<Level>,
    fc: Linear<2, 2>,
    bottom: bool,
}

impl Module for Level {
    fn kind(&self) -> LayerKind {
        LayerKind::Custom("Level")
    }
    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        for n in &self.next {
            v.module("next", n);
        }
        v.module("fc", &self.fc);
    }
    fn visit_mut<'a>(&'a mut self, v: &mut dyn VisitorMut<'a>) {
        for n in &mut self.next {
            v.module("next", n);
        }
        v.module("fc", &mut self.fc);
    }
    fn init_rules(&self) -> Vec<Rule> {
        LEVEL_RULE_CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        match self.bottom {
            true => vec![Rule::module("fc", "weight", Init::Ones)],
            false => Vec::new(),
        }
    }
}

/// `depth` levels, the declared rule at the bottom.
fn chain(depth: usize) -> Level {
    let mut chain = Level { next: Vec::new(), fc: Linear::zeroed(), bottom: true };
    for _ in 1..depth {
        chain = Level { next: vec![chain], fc: Linear::zeroed(), bottom: false };
    }
    chain
}

/// How many times `init` asks a `Level` for its rules.
fn rule_calls(init: impl FnOnce()) -> usize {
    use std::sync::atomic::Ordering::Relaxed;
    LEVEL_RULE_CALLS.store(0, Relaxed);
    init();
    LEVEL_RULE_CALLS.load(Relaxed)
}

#[test]
fn each_modules_declared_rules_are_asked_for_once_per_init() {
    const DEPTH: usize = 8;
    let mut ours = chain(DEPTH);
    // Once per module (the walk used to ask again from every ancestor: 36 calls here).
    assert_eq!(rule_calls(|| ours.init_weights(&mut Seed::new(3)).unwrap()), DEPTH);
    // PyTorch's order (TorchGenerator) walks the tree its own way: once per module too.
    let mut torch = chain(DEPTH);
    assert_eq!(rule_calls(|| torch.init_weights(&mut TorchGenerator::new(3)).unwrap()), DEPTH);
    let bottom = format!("{}fc.weight", "next.".repeat(DEPTH - 1));
    let w = ours.get_parameter(&bottom).unwrap();
    assert!(w.as_slice().iter().all(|&v| v == 1.0));
    assert_eq!(w.origin(), Some("ones by rule for fc.weight"));
    let top = ours.get_parameter("fc.weight").unwrap();
    assert!(top.as_slice().iter().any(|&v| v != 0.0));
    assert_eq!(top.origin(), Some("default: Linear"));
}
