//! [`WeightBias`]: the `weight` and optional `bias` that Linear, Bilinear and the
//! convolutions hold, with the visiting and the PyTorch default they share.

use crate::error::Result;
use crate::module::{Visitor, VisitorMut, join};
use crate::param::{Param, ParamSlot};
use crate::rng::Generator;
use crate::schemes::{FanAxes, FanMode, Init, Nonlinearity};

/// A `weight` and, when the layer has one, a `bias`, registered in that order.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct WeightBias {
    pub(crate) weight: Param,
    pub(crate) bias: Option<Param>,
}

impl WeightBias {
    /// Zero parameters: a weight of `weight` shape and a bias of `bias` elements if any, or
    /// the error of [`Param::try_zeros`].
    pub(crate) fn try_zeros(weight: &[usize], bias: Option<usize>) -> Result<Self> {
        let bias = bias.map(|n| Param::try_zeros(&[n])).transpose()?;
        Ok(WeightBias { weight: Param::try_zeros(weight)?, bias })
    }

    pub(crate) fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        v.param("weight", &self.weight);
        if let Some(b) = &self.bias {
            v.param("bias", b);
        }
    }

    pub(crate) fn visit_mut<'a>(&'a mut self, v: &mut dyn VisitorMut<'a>) {
        v.param("weight", ParamSlot::from(&mut self.weight));
        if let Some(b) = &mut self.bias {
            v.param("bias", ParamSlot::from(b));
        }
    }

    /// PyTorch's `reset_parameters` of `Linear` and of every convolution: `kaiming_uniform(a
    /// = √5)` on the weight, then U(−1/√fan_in, 1/√fan_in) on the bias (bound 0 when fan_in
    /// = 0), for the parameters that no rule fills (`ruled(name)` false).
    pub(crate) fn init_dense(
        &mut self,
        fan_in: usize,
        prefix: &str,
        ruled: &dyn Fn(&str) -> bool,
        rng: &mut dyn Generator,
    ) -> Result<()> {
        if !ruled("weight") {
            let init = Init::KaimingUniform {
                a: 5f64.sqrt(),
                mode: FanMode::FanIn,
                nonlinearity: Nonlinearity::LeakyRelu,
                axes: FanAxes::TORCH,
            };
            init.fill(&mut self.weight, &join(prefix, "weight"), rng)?;
        }
        self.init_bias_uniform(1.0 / (fan_in as f64).sqrt(), prefix, ruled, rng)
    }

    /// The bias from U(−bound, bound) (bound 0 when not finite, as for fan_in = 0), unless
    /// a rule fills it.
    pub(crate) fn init_bias_uniform(
        &mut self,
        bound: f64,
        prefix: &str,
        ruled: &dyn Fn(&str) -> bool,
        rng: &mut dyn Generator,
    ) -> Result<()> {
        let bound = if bound.is_finite() { bound } else { 0.0 };
        match self.bias.as_mut().filter(|_| !ruled("bias")) {
            Some(bias) => {
                Init::Uniform { a: -bound, b: bound }.fill(bias, &join(prefix, "bias"), rng)
            }
            None => Ok(()),
        }
    }
}
