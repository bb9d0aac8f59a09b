//! `set_base_shapes`' `rescale_params`: what it multiplies, by how much, and the products
//! in `f32` as PyTorch's `tensor *= float`.

use super::{InfDim, InfShapes, Mup, is_linear_or_conv, weight_path};
use crate::error::Result;
use crate::module::{Module, join, tie};

impl Mup {
    /// `set_base_shapes`' `rescale_params` on `model`, which holds PyTorch's default init (or
    /// any init that scales like it): each readout's bias and weight times
    /// `width_mult ** 0.5` (zeros with [`readout_zero_init`](Mup::readout_zero_init)); the
    /// bias of every other `Linear` and convolution times `fanin_mult ** 0.5`, where
    /// `fanin_mult` is the width multiplier of its weight's dimension 1. The factor is
    /// computed in `f64` as mup does and applied as PyTorch's `tensor *= float` is (the factor
    /// rounded to `f32`, one `f32` product per value). Not idempotent, as mup's. A readout
    /// whose weight is tied to another parameter (mup's `MuSharedReadout`) rescales that
    /// parameter, as mup does. Returns the paths rescaled, in module order; each one's
    /// origin says so.
    ///
    /// ```
    /// use init_core::{Linear, Module, Mup, Sequential, TorchGenerator};
    /// let base = Sequential::new().push(Linear::<4, 8>::zeroed()).push(Linear::<8, 8>::zeroed()).push(Linear::<8, 2>::zeroed());
    /// let mut net = Sequential::new()
    ///     .push(Linear::<4, 32>::new(&mut TorchGenerator::new(0))?)
    ///     .push(Linear::<32, 32>::new(&mut TorchGenerator::new(1))?)
    ///     .push(Linear::<32, 2>::new(&mut TorchGenerator::new(2))?);
    /// let before = net.get_parameter("1.bias").unwrap().as_slice().to_vec();
    /// let done = Mup::new(&base).readout("2").rescale(&mut net)?;
    /// assert_eq!(done, ["0.bias", "1.bias", "2.bias", "2.weight"]);
    /// assert_eq!(net.get_parameter("1.bias").unwrap().as_slice()[0], before[0] * 2.0);
    /// # Ok::<(), init_core::InitError>(())
    /// ```
    pub fn rescale(&self, model: &mut dyn Module) -> Result<Vec<String>> {
        let shapes = self.infshapes(model.as_module())?;
        let plan = self.rescale_plan(model.as_module(), &shapes);
        for (path, f) in &plan {
            // Read before writing: a write through a handle clears the origin.
            let before =
                model.get_parameter(path).and_then(|p| p.origin()).unwrap_or("").to_string();
            let Some(p) = model.get_parameter_mut(path) else { continue };
            let p = p.into_param();
            // The std the parameter's init meant, scaled with its values (the init report
            // compares against it).
            let intended = p.intended_std();
            let f32_factor = *f as f32;
            for v in p.as_slice_mut() {
                *v *= f32_factor;
            }
            p.set_intended_std(intended.map(|s| s * f64::from(f32_factor)));
            let origin = if *f == 0.0 {
                "zeros by μP readout_zero_init".to_string()
            } else {
                let sep = if before.is_empty() { "" } else { ", " };
                format!("{before}{sep}times {f} by μP set_base_shapes")
            };
            if let Some(mut p) = model.get_parameter_mut(path) {
                p.set_origin(origin);
            }
        }
        tie::settle(model, &|_| false)?;
        Ok(plan.into_iter().map(|(p, _)| p).collect())
    }

    /// What `set_base_shapes`' rescale multiplies, and by how much, in mup's order: each
    /// readout's bias then weight (its tied target, if tied) by `width_mult ** 0.5` (0 with
    /// `readout_zero_init`), every other Linear or convolution bias by `fanin_mult ** 0.5`.
    pub(super) fn rescale_plan(
        &self,
        model: &dyn Module,
        shapes: &InfShapes,
    ) -> Vec<(String, f64)> {
        let tied = tie::aliases(model);
        let mut plan: Vec<(String, f64)> = Vec::new();
        for (path, m) in model.named_modules() {
            let (weight, bias) = (weight_path(&tied, &path), join(&path, "bias"));
            let has_bias = m.bias().is_some() && shapes.get(&bias).is_some();
            if self.readouts.contains(&path) {
                let Some(w) = shapes.get(&weight) else { continue };
                let f = if self.readout_zero_init { 0.0 } else { w.width_mult().powf(0.5) };
                if has_bias {
                    plan.push((bias, f));
                }
                plan.push((weight, f));
            } else if is_linear_or_conv(m.kind()) && has_bias {
                let Some(w) = shapes.get(&weight) else { continue };
                let fanin_mult = w.dims().get(1).map_or(1.0, InfDim::width_mult);
                plan.push((bias, fanin_mult.powf(0.5)));
            }
        }
        plan
    }
}
