//! The forum thread's `initialize_weights` loop: handles that know their paths, named
//! arguments with PyTorch's defaults, and agreement with the declarative rules.

use init::prelude::*;
use init::{ModuleMut, Summary};

/// A block whose body is a `Sequential`, kept in a list inside a network: paths three and
/// four levels deep.
#[derive(Module)]
struct Block {
    #[module(filled_later)]
    body: Sequential,
    norm: BatchNorm2d<4>,
}

#[derive(Module)]
struct Net {
    stem: Conv2d<3, 4, 3>,
    #[module(filled_later)]
    blocks: Vec<Block>,
    #[module(filled_later)]
    list: ModuleList,
    head: Linear<4, 4>,
    twin: Linear<4, 4>,
}

fn block() -> Block {
    Block {
        body: Sequential::new().push(Conv2d::<4, 4, 3>::zeroed()).push(ReLU),
        norm: BatchNorm2d::zeroed(),
    }
}

fn net() -> Net {
    Net {
        stem: Conv2d::zeroed(),
        blocks: vec![block(), block()],
        list: ModuleList::<dyn Module>::new()
            .push_boxed(Box::new(Sequential::new().push(Linear::<4, 4>::zeroed())))
            .push_boxed(Box::new(ReLU)),
        head: Linear::zeroed(),
        twin: Linear::zeroed(),
    }
}

/// The thread's loop: conv kaiming_normal(fan_out, relu) and bias 0; BatchNorm weight 1, bias
/// 0; Linear normal(0, 0.01), bias 0.
fn initialize_weights(m: &mut ModuleMut<'_>, rng: &mut dyn Generator) -> Result<(), InitError> {
    match m.kind() {
        LayerKind::Conv2d => {
            if let Some(w) = m.weight() {
                init::kaiming_normal()
                    .mode(FanMode::FanOut)
                    .nonlinearity(Nonlinearity::Relu)
                    .fill(w, rng)?;
            }
            if let Some(b) = m.bias() {
                init::constant(0.0).fill(b)?;
            }
        }
        LayerKind::BatchNorm2d => {
            if let Some(w) = m.weight() {
                init::constant(1.0).fill(w)?;
            }
            if let Some(b) = m.bias() {
                init::constant(0.0).fill(b)?;
            }
        }
        LayerKind::Linear => {
            if let Some(w) = m.weight() {
                init::normal().mean(0.0).std(0.01).fill(w, rng)?;
            }
            if let Some(b) = m.bias() {
                init::constant(0.0).fill(b)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn bits(p: &Param) -> Vec<u32> {
    p.as_slice().iter().map(|x| x.to_bits()).collect()
}

#[test]
fn handle_paths_are_pytorch_names_at_every_depth() {
    let mut n = net();
    let mut seen = Vec::new();
    n.apply(&mut |m| {
        let module = m.path().to_string();
        for name in ["weight", "bias"] {
            if let Some(p) = m.param(name) {
                seen.push((module.clone(), p.path().to_string()));
            }
        }
    });
    let params: Vec<String> = n.named_parameters().into_iter().map(|(p, _)| p).collect();
    let mut handed: Vec<String> = seen.iter().map(|(_, p)| p.clone()).collect();
    handed.sort();
    let mut want = params.clone();
    want.sort();
    assert_eq!(handed, want);
    assert!(seen.contains(&("blocks.1.body.0".into(), "blocks.1.body.0.weight".into())));
    assert!(seen.contains(&("list.0.0".into(), "list.0.0.bias".into())));
    assert!(seen.contains(&("blocks.0.norm".into(), "blocks.0.norm.weight".into())));
    // The other handles agree: named_parameters_mut and get_parameter_mut name the same paths.
    let named: Vec<(String, String)> =
        n.named_parameters_mut().iter().map(|(k, p)| (k.clone(), p.path().to_string())).collect();
    assert!(named.iter().all(|(k, p)| k == p));
    for path in params {
        assert_eq!(n.get_parameter_mut(&path).unwrap().path(), path);
    }
    // A module used alone names its own parameters.
    assert_eq!(n.head.get_parameter_mut("weight").unwrap().path(), "weight");
}

#[test]
fn same_shaped_layers_get_different_values_and_equal_the_declarative_rules() {
    let mut looped = net();
    let mut rng = Seed::new(42);
    looped.try_apply(&mut |m| initialize_weights(m, &mut rng)).unwrap();

    // Two layers of the same shape: different values, each keyed by its own path.
    let (head, twin) = (looped.head.weight().unwrap(), looped.twin.weight().unwrap());
    assert_ne!(bits(head), bits(twin));
    let a = looped.get_parameter("blocks.0.body.0.weight").unwrap();
    let b = looped.get_parameter("blocks.1.body.0.weight").unwrap();
    assert_ne!(bits(a), bits(b));

    // The same schemes as runtime rules on the same paths: the same bits.
    let conv =
        Init::from(init::kaiming_normal().mode(FanMode::FanOut).nonlinearity(Nonlinearity::Relu));
    let rules = Rules::new()
        .kind(LayerKind::Conv2d, "weight", conv)
        .kind(LayerKind::Conv2d, "bias", Init::from(init::constant(0.0)))
        .kind(LayerKind::BatchNorm2d, "weight", Init::from(init::constant(1.0)))
        .kind(LayerKind::BatchNorm2d, "bias", Init::from(init::constant(0.0)))
        .kind(LayerKind::Linear, "weight", Init::from(init::normal().std(0.01)))
        .kind(LayerKind::Linear, "bias", Init::from(init::constant(0.0)));
    let mut declared = net();
    rules.apply(&mut declared, &mut Seed::new(42)).unwrap();
    let (l, d) = (looped.named_parameters(), declared.named_parameters());
    assert_eq!(l.len(), d.len());
    for ((path, p), (_, q)) in l.iter().zip(&d) {
        assert_eq!(bits(p), bits(q), "{path}");
    }

    // The loop records each scheme as the origin, whole.
    let origin = looped.stem.weight().unwrap().origin().unwrap();
    assert_eq!(origin, r#"kaiming_normal(mode = "fan_out", nonlinearity = "relu")"#);
    assert_eq!(looped.head.weight().unwrap().origin(), Some("normal(std = 0.01)"));
    assert_eq!(looped.head.bias().unwrap().origin(), Some("constant(0.0)"));
}

#[test]
fn the_imperative_fill_equals_init_apply_and_the_old_stream() {
    // The stream is keyed by the path string alone: a handle at "fc.weight" draws what
    // `Init::apply` and `fill_slice` draw for "fc.weight".
    let init = Init::KaimingUniform {
        a: 0.0,
        mode: FanMode::FanIn,
        nonlinearity: Nonlinearity::LeakyRelu,
        axes: FanAxes::TORCH,
    };
    let mut a = Param::zeros(&[8, 5]);
    init::kaiming_uniform().fill(a.at("fc.weight"), &mut Seed::new(3)).unwrap();
    let mut b = Param::zeros(&[8, 5]);
    init.apply(b.at("fc.weight"), &mut Seed::new(3)).unwrap();
    let mut c = vec![0.0f32; 40];
    init.fill_slice("fc.weight", &[8, 5], 0, &mut c, &Seed::new(3)).unwrap();
    assert_eq!(bits(&a), bits(&b));
    assert_eq!(a.as_slice(), &c[..]);
}

#[test]
fn defaults_are_pytorchs() {
    let cases: Vec<(Init, Init)> = vec![
        (init::uniform().into(), Init::Uniform { a: 0.0, b: 1.0 }),
        (init::normal().into(), Init::Normal { mean: 0.0, std: 1.0 }),
        (init::trunc_normal().into(), Init::TruncNormal { mean: 0.0, std: 1.0, a: -2.0, b: 2.0 }),
        (init::xavier_uniform().into(), Init::XavierUniform { gain: 1.0, axes: FanAxes::TORCH }),
        (init::xavier_normal().into(), Init::XavierNormal { gain: 1.0, axes: FanAxes::TORCH }),
        (
            init::kaiming_uniform().into(),
            Init::KaimingUniform {
                a: 0.0,
                mode: FanMode::FanIn,
                nonlinearity: Nonlinearity::LeakyRelu,
                axes: FanAxes::TORCH,
            },
        ),
        (
            init::kaiming_normal().into(),
            Init::KaimingNormal {
                a: 0.0,
                mode: FanMode::FanIn,
                nonlinearity: Nonlinearity::LeakyRelu,
                axes: FanAxes::TORCH,
            },
        ),
        (init::orthogonal().into(), Init::Orthogonal { gain: 1.0 }),
        (init::delta_orthogonal().into(), Init::DeltaOrthogonal { gain: 1.0 }),
        (init::sparse(0.1).into(), Init::Sparse { sparsity: 0.1, std: 0.01 }),
        (init::dirac().into(), Init::Dirac { groups: 1 }),
        (init::eye().into(), Init::Eye),
        (init::constant(0.5).into(), Init::Constant { value: 0.5 }),
        (init::ones().into(), Init::Ones),
        (init::zeros().into(), Init::Zeros),
        (init::lecun_uniform().into(), Init::LecunUniform { axes: FanAxes::TORCH }),
        (init::lecun_normal().into(), Init::LecunNormal { axes: FanAxes::TORCH }),
        (
            init::variance_scaling().into(),
            Init::VarianceScaling {
                scale: 1.0,
                mode: FanMode::FanIn,
                distribution: ScalingDistribution::TruncatedNormal,
                axes: FanAxes::TORCH,
            },
        ),
    ];
    for (built, want) in cases {
        assert_eq!(built, want, "{want}");
        // Only non-default arguments are shown: the defaults print as the bare name.
        assert_eq!(built.to_string(), built.name().to_string() + &shown_args(&built));
    }
}

/// The arguments a scheme's `Display` shows even at its defaults (only `sparse`'s required
/// `sparsity`).
fn shown_args(init: &Init) -> String {
    match init {
        Init::Sparse { sparsity, .. } => format!("(sparsity = {sparsity:?})"),
        Init::Constant { value } => format!("({value:?})"),
        _ => String::new(),
    }
}

#[test]
fn errors_in_the_loop_name_the_full_path() {
    let mut n = net();
    let err = n
        .try_apply(&mut |m| match m.bias() {
            Some(b) => init::orthogonal().fill(b, &mut Seed::new(0)),
            None => Ok(()),
        })
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "stem.bias: orthogonal needs a tensor with at least 2 dimensions, got shape [4]"
    );
    let err = n
        .try_apply(&mut |m| match m.weight().filter(|w| w.ndim() == 1) {
            Some(w) => init::constant(1e39).fill(w),
            None => Ok(()),
        })
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "blocks.0.norm.weight: constant: argument `value` must be within the range of f32, got 1e39"
    );
    // A copy of the wrong shape through a handle names the path too.
    let mut w = n.get_parameter_mut("list.0.0.weight").unwrap();
    let err = w.copy_from(&ndarray::ArrayD::zeros(vec![2, 2]).view()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "list.0.0.weight: shape mismatch: the parameter has shape [4, 4], the source has shape [2, 2]"
    );
}

#[test]
fn constant_ones_and_zeros_take_the_same_arguments() {
    let mut p = Param::zeros(&[3]);
    let fills: [(init::Constant, f32); 3] =
        [(init::constant(0.5), 0.5), (init::ones(), 1.0), (init::zeros(), 0.0)];
    for (fill, v) in fills {
        let r: Result<(), InitError> = fill.fill(p.at("b"));
        r.unwrap();
        assert_eq!(p.as_slice(), &[v; 3]);
    }
    assert_eq!(p.origin(), Some("zeros"));
}

#[test]
fn a_user_origin_is_kept_and_shown_whole() {
    let mut n = net();
    n.init_weights(&mut Seed::new(0)).unwrap();
    let note = "hand-tuned from the 2019 checkpoint's head, scaled by 0.5 for the new vocabulary";
    let mut w = n.get_parameter_mut("head.weight").unwrap();
    w.as_slice_mut().fill(0.25);
    assert_eq!(w.origin(), None);
    w.set_origin(note);
    assert_eq!(n.head.weight().unwrap().origin(), Some(note));
    let table = Summary::of(&n).to_string();
    let row = table.lines().find(|l| l.starts_with("head.weight")).unwrap();
    assert!(row.ends_with(note), "{row}");
    // The next write forgets it.
    init::zeros().fill(n.get_parameter_mut("head.weight").unwrap()).unwrap();
    assert_eq!(n.head.weight().unwrap().origin(), Some("zeros"));
}

#[test]
fn a_failed_fill_changes_nothing_and_keeps_the_origin() {
    let mut w = Param::zeros(&[4, 4]);
    init::eye().fill(w.at("w")).unwrap();
    let before = bits(&w);
    assert!(init::uniform().a(1.0).b(0.0).fill(w.at("w"), &mut Seed::new(0)).is_err());
    assert_eq!(bits(&w), before);
    assert_eq!(w.origin(), Some("eye"));
}
