//! [`Plan::of`] and [`Plan::from_module`]: the plan of a module tree, learnt by running the
//! init engine itself with the planning hook on (`schemes/planning.rs`), so the plan says
//! exactly what `init_weights` would write, and no parameter's memory is touched.

use std::collections::HashMap;

use super::entry::{Entry, Source};
use super::plan::Plan;
use crate::error::{ErrorKind, InitError, Result};
use crate::module::{Module, Zeroed, join, tie, traverse};
use crate::param::BufferData;
use crate::rng::Seed;
use crate::rules::{Fallback, Rules, run};
use crate::schemes::planning::{self, Planned};
use crate::state::Tensor;

impl Plan {
    /// The plan of `M` as `M::new(&mut Seed::new(s))` initializes it: every parameter's
    /// scheme (the rules its attributes declare, else its layer's PyTorch default) and the
    /// rows zeroed after it, every persistent buffer's values, every tied key, in
    /// `state_dict()` order. The model is built with `M::zeroed()` (lazily zeroed pages,
    /// never touched), so a model larger than memory can be planned.
    ///
    /// ```
    /// use init_core::{ModuleExt, Plan, Seed, Tensor, Linear, Module};
    /// let plan = Plan::of::<Linear<3, 2>>()?;
    /// let keys: Vec<&str> = plan.entries().iter().map(|e| e.key()).collect();
    /// assert_eq!(keys, ["weight", "bias"]);
    /// // The values are those of the initialized model, bit for bit.
    /// let model = Linear::<3, 2>::new(&mut Seed::new(5))?;
    /// let mut w = [0.0f32; 6];
    /// plan.entries()[0].fill_range(&Seed::new(5), 0, &mut w)?;
    /// assert_eq!(&w[..], model.weight().unwrap().as_slice());
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn of<M: Module + Zeroed>() -> Result<Plan> {
        let mut model = M::zeroed();
        Plan::from_module(&mut model)
    }

    /// The plan of `model`'s tree as [`init_weights`](crate::ModuleExt::init_weights) with
    /// a [`Seed`] would initialize it (see [`Plan::of`]). The parameters' values are not
    /// read or written; the buffers are reset as `init_weights` resets them (running
    /// statistics) and copied into the plan. Errors: those `init_weights` would give, and a
    /// parameter written other than through [`Init`](crate::Init) (a hand-written
    /// `init_defaults` that writes values itself), which the plan cannot describe.
    pub fn from_module(model: &mut dyn Module) -> Result<Plan> {
        Plan::from_module_with_rules(model, &Rules::new())
    }

    /// The plan of `model`'s tree as [`Rules::init_weights`] with a [`Seed`] would
    /// initialize it: `rules` as the outermost rule set, below the rules the modules
    /// declare, above the layers' defaults (see [`Plan::from_module`]).
    ///
    /// ```
    /// use init_core::{Init, LayerKind, Linear, Plan, Rules, Sequential, Source};
    /// let mut model = Sequential::new().push(Linear::<4, 4>::zeroed()).push(Linear::<4, 2>::zeroed());
    /// let rules = Rules::new().kind(LayerKind::Linear, "weight", Init::Normal { mean: 0.0, std: 0.02 });
    /// let plan = Plan::from_module_with_rules(&mut model, &rules)?;
    /// let w = plan.get("1.weight").unwrap().source();
    /// assert_eq!(w, &Source::Init { init: Init::Normal { mean: 0.0, std: 0.02 }, zero_rows: vec![] });
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn from_module_with_rules(model: &mut dyn Module, rules: &Rules) -> Result<Plan> {
        let rules = rules.as_slice();
        let (ran, planned) =
            planning::record(|| run(&mut *model, rules, Fallback::Default, &mut Seed::new(0)));
        ran?;
        let planned: HashMap<String, Planned> =
            planned.into_iter().map(|p| (p.path.clone(), p)).collect();
        let aliases = tie::aliases(&*model);
        let mut entries: Vec<Result<Entry>> = Vec::new();
        traverse::pre_order(&*model, "", &mut |path, module| {
            let parts = traverse::parts(module);
            for (name, p) in parts.params {
                let key = join(path, &name);
                let source = match aliases.get(&key) {
                    Some(target) => Ok(Source::Tied { target: target.clone() }),
                    None => planned_source(&planned, &key),
                };
                entries.push(source.map(|source| Entry { key, shape: p.shape().to_vec(), source }));
            }
            for (name, b) in parts.buffers.into_iter().filter(|(_, b)| b.is_persistent()) {
                let t = match b.data() {
                    BufferData::F32(a) => Tensor::F32(a.clone()),
                    BufferData::I64(a) => Tensor::I64(a.clone()),
                };
                let key = join(path, &name);
                entries.push(Ok(Entry {
                    key,
                    shape: b.shape().to_vec(),
                    source: Source::Tensor(t),
                }));
            }
        });
        let mut plan = Plan::new();
        for e in entries {
            plan.insert(e?)?;
        }
        Ok(plan)
    }
}

fn planned_source(planned: &HashMap<String, Planned>, key: &str) -> Result<Source> {
    match planned.get(key) {
        Some(p) => Ok(Source::Init { init: p.init.clone(), zero_rows: p.zero_rows.clone() }),
        None => Err(InitError::new(
            key,
            ErrorKind::Checkpoint {
                rule: "no fill was planned for this parameter: its module writes it other \
                       than through Init, so a plan cannot say what its values are"
                    .into(),
            },
        )),
    }
}
