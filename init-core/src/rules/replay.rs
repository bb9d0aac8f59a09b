//! PyTorch's program, draw for draw: construct the model (every layer's default, in
//! construction order), then loop over its modules applying the rules. Behind
//! [`ModuleExt::init_weights_torch`](crate::ModuleExt::init_weights_torch) and
//! [`Rules::apply_torch`](super::Rules::apply_torch).

use std::sync::Arc;

use super::declared::Declared;
use super::engine::{self, Fallback};
use super::frame::Frame;
use super::{Rule, audit};
use crate::error::Result;
use crate::module::traverse::{parts, parts_mut};
use crate::module::{Module, join, tie};
use crate::rng::Generator;

/// The loop a PyTorch program runs over its modules after construction, which fixes the
/// order of the rules' random draws (see
/// [`ModuleExt::init_weights_torch`](crate::ModuleExt::init_weights_torch)).
///
/// ```
/// use init_core::{Init, LayerKind, Linear, Module, Rules, Sequential, TorchGenerator, TorchLoop};
///
/// // torch.manual_seed(0); net = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 2))
/// // for m in net.modules(): if isinstance(m, nn.Linear): nn.init.normal_(m.weight, std=0.02)
/// let mut net = Sequential::new().push(Linear::<4, 4>::zeroed()).push(Linear::<4, 2>::zeroed());
/// let rules = Rules::new().kind(LayerKind::Linear, "weight", Init::Normal { mean: 0.0, std: 0.02 });
/// rules.init_weights_torch(&mut net, &mut TorchGenerator::new(0), TorchLoop::Modules)?;
/// assert_eq!(net.get_parameter("1.bias").unwrap().origin(), Some("default: Linear"));
/// # Ok::<(), init_core::InitError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TorchLoop {
    /// `for m in model.modules(): ...`: pre-order, the module before its children
    /// (torchvision's ResNet, VGG, ...; timm's `named_apply`).
    Modules,
    /// `model.apply(fn)`: post-order, children before the module (the DCGAN tutorial's
    /// `weights_init`, Hugging Face's `post_init`).
    Apply,
}

/// Run PyTorch's program on `model` with `rng`. With `fallback` [`Fallback::Default`]:
/// every layer's default in construction order ([`Module::reset_parameters`] of the root),
/// then the loop with the module-declared rules and `rules` (outermost). With
/// [`Fallback::Keep`]: the loop alone, with `rules` alone.
///
/// In the loop, each visited module's own parameters (registration order) take every
/// ordinary rule that matches them, the lowest-ranked first and the rule the one-fill engine
/// would pick last: the draws of the rules it overrides are made, as PyTorch's loops make
/// them, and the values left are the winner's. Layer-default rules are part of their
/// module's `reset_parameters`, so the loop skips them. A generator that is not
/// [sequential](Generator::is_sequential) gets the one-fill engine: same values, no
/// wasted draws.
pub(crate) fn run(
    model: &mut dyn Module,
    rules: &[Rule],
    fallback: Fallback,
    order: TorchLoop,
    rng: &mut dyn Generator,
) -> Result<Vec<String>> {
    if !rng.is_sequential() {
        return engine::run(model, rules, fallback, rng);
    }
    if fallback == Fallback::Default {
        super::check_declared(model.as_module())?;
    }
    let declared = Declared::of(model.as_module(), fallback);
    audit::check(model.as_module(), rules, &declared)?;
    if fallback == Fallback::Default {
        model.reset_parameters("", rng)?;
    }
    let root = Frame { base: String::new(), rules, parent: None };
    let mut written = Vec::new();
    let ctx = Visit { fallback, order, declared: &declared };
    visit(model, "", &root, &ctx, rng, &mut written)?;
    // As PyTorch's `tie_weights` after its loop: the draws made into an alias (Hugging Face's
    // `lm_head` default and its `_init_weights` draw) are discarded, the alias takes its
    // target's storage.
    tie::settle(model, &|_| false)?;
    Ok(written)
}

/// What every step of the visit needs.
struct Visit<'a> {
    fallback: Fallback,
    order: TorchLoop,
    declared: &'a Declared,
}

fn visit(
    m: &mut dyn Module,
    prefix: &str,
    outer: &Frame<'_>,
    ctx: &Visit<'_>,
    rng: &mut dyn Generator,
    written: &mut Vec<String>,
) -> Result<()> {
    let here =
        Frame { base: prefix.to_string(), rules: ctx.declared.at(prefix), parent: Some(outer) };
    if ctx.order == TorchLoop::Modules {
        fill_own(m, prefix, &here, ctx.fallback, rng, written)?;
    }
    for (name, child) in parts_mut(m).children {
        visit(child, &join(prefix, &name), &here, ctx, rng, written)?;
    }
    if ctx.order == TorchLoop::Apply {
        fill_own(m, prefix, &here, ctx.fallback, rng, written)?;
    }
    Ok(())
}

/// Apply to each own parameter of `m` every rule in scope that matches it, winner last.
fn fill_own(
    m: &mut dyn Module,
    prefix: &str,
    here: &Frame<'_>,
    fallback: Fallback,
    rng: &mut dyn Generator,
    written: &mut Vec<String>,
) -> Result<()> {
    let kind = m.kind();
    let ranked: Vec<Vec<&Rule>> =
        parts(m).params.iter().map(|(n, _)| here.ranked(prefix, kind, n)).collect();
    let default_origin: Arc<str> = format!("default: {kind}").into();
    for ((name, slot), rules) in parts_mut(m).params.into_iter().zip(ranked) {
        let (p, path) = (slot.into_param(), join(prefix, &name));
        for rule in rules.iter().rev() {
            rule.init().fill(p, &path, rng)?;
        }
        match rules.first() {
            Some(winner) => p.set_origin(winner.to_string()),
            None if fallback == Fallback::Default => p.set_origin(default_origin.clone()),
            None => continue,
        }
        written.push(path);
    }
    Ok(())
}
