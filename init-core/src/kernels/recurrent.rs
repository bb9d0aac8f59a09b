//! Multi-layer, optionally bidirectional LSTM and GRU over runtime sizes: the parameter
//! storage, names, default initialization and forward pass shared by [`LSTM`](crate::LSTM)
//! and [`GRU`](crate::GRU).
//!
//! The forward pass runs layer by layer and direction by direction. The input projections of
//! all time steps come from one matrix product (`[T·N, in] · W_ihᵀ`); the recurrence then does
//! one small product `h · W_hhᵀ` per step into a buffer allocated once, followed by the gate
//! arithmetic over slices.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, Array3, ArrayD, ArrayView2, ArrayViewD, Axis, Ix1, Ix2, Ix3, s};

use crate::error::{InitError, Result};
use crate::module::{Visitor, VisitorMut, join};
use crate::param::{Param, ParamSlot};
use crate::rng::Generator;
use crate::schemes::Init;

/// The output sequence, `h_n`, and `c_n` for the LSTM.
pub(crate) type Outputs = (ArrayD<f32>, ArrayD<f32>, Option<ArrayD<f32>>);

/// Which recurrent cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CellKind {
    /// Gates i, f, g, o (4 blocks of `H` rows).
    Lstm,
    /// Gates r, z, n (3 blocks of `H` rows).
    Gru,
}

impl CellKind {
    fn gates(self) -> usize {
        match self {
            CellKind::Lstm => 4,
            CellKind::Gru => 3,
        }
    }

    fn layer(self) -> &'static str {
        match self {
            CellKind::Lstm => "LSTM",
            CellKind::Gru => "GRU",
        }
    }
}

/// The four parameters of one layer in one direction.
#[derive(Clone, Debug, PartialEq)]
struct Cell {
    weight_ih: Param,
    weight_hh: Param,
    bias_ih: Option<Param>,
    bias_hh: Option<Param>,
}

/// The parameters of a stacked (bi)directional LSTM or GRU and its runtime configuration.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Recurrent {
    kind: CellKind,
    input_size: usize,
    hidden: usize,
    layers: usize,
    directions: usize,
    /// `[layer * directions + direction]`, PyTorch's registration order.
    cells: Vec<Cell>,
    /// Input and output as `[batch, seq, feature]` instead of `[seq, batch, feature]`.
    pub(crate) batch_first: bool,
}

/// The parameter names of cell `index` (`weight_ih_l1_reverse`, ...).
fn names(index: usize, directions: usize) -> [String; 4] {
    let (layer, dir) = (index / directions, index % directions);
    let suffix = if dir == 1 { "_reverse" } else { "" };
    ["weight_ih", "weight_hh", "bias_ih", "bias_hh"].map(|p| format!("{p}_l{layer}{suffix}"))
}

impl Recurrent {
    /// All parameters zero, or the error of [`Param::try_zeros`]. `hidden` and `layers` are
    /// non-zero (the layers check it at compile time).
    pub(crate) fn try_zeroed(
        kind: CellKind,
        input_size: usize,
        hidden: usize,
        layers: usize,
        bidirectional: bool,
        bias: bool,
    ) -> Result<Self> {
        let directions = if bidirectional { 2 } else { 1 };
        let gh = kind.gates() * hidden;
        let bias_of = |n: usize| bias.then(|| Param::try_zeros(&[n])).transpose();
        let cells = (0..layers * directions)
            .map(|i| {
                let in_k = if i < directions { input_size } else { hidden * directions };
                Ok(Cell {
                    weight_ih: Param::try_zeros(&[gh, in_k])?,
                    weight_hh: Param::try_zeros(&[gh, hidden])?,
                    bias_ih: bias_of(gh)?,
                    bias_hh: bias_of(gh)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Recurrent { kind, input_size, hidden, layers, directions, cells, batch_first: false })
    }

    pub(crate) fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        for (i, cell) in self.cells.iter().enumerate() {
            let [w_ih, w_hh, b_ih, b_hh] = names(i, self.directions);
            v.param(&w_ih, &cell.weight_ih);
            v.param(&w_hh, &cell.weight_hh);
            if let Some(b) = &cell.bias_ih {
                v.param(&b_ih, b);
            }
            if let Some(b) = &cell.bias_hh {
                v.param(&b_hh, b);
            }
        }
    }

    pub(crate) fn visit_mut<'a>(&'a mut self, v: &mut dyn VisitorMut<'a>) {
        let directions = self.directions;
        for (i, cell) in self.cells.iter_mut().enumerate() {
            let [w_ih, w_hh, b_ih, b_hh] = names(i, directions);
            v.param(&w_ih, ParamSlot::from(&mut cell.weight_ih));
            v.param(&w_hh, ParamSlot::from(&mut cell.weight_hh));
            if let Some(b) = &mut cell.bias_ih {
                v.param(&b_ih, ParamSlot::from(b));
            }
            if let Some(b) = &mut cell.bias_hh {
                v.param(&b_hh, ParamSlot::from(b));
            }
        }
    }

    /// PyTorch's `RNNBase.reset_parameters`: `stdv = 1/√hidden` (0 when hidden = 0), then
    /// `uniform_(−stdv, stdv)` on every parameter in `parameters()` order.
    /// Parameters for which `ruled(name)` is true are left for their rule.
    pub(crate) fn init_defaults(
        &mut self,
        prefix: &str,
        ruled: &dyn Fn(&str) -> bool,
        rng: &mut dyn Generator,
    ) -> Result<()> {
        let stdv = if self.hidden > 0 { 1.0 / (self.hidden as f64).sqrt() } else { 0.0 };
        let directions = self.directions;
        for (i, cell) in self.cells.iter_mut().enumerate() {
            let [w_ih, w_hh, b_ih, b_hh] = names(i, directions);
            let params = [
                (Some(&mut cell.weight_ih), w_ih),
                (Some(&mut cell.weight_hh), w_hh),
                (cell.bias_ih.as_mut(), b_ih),
                (cell.bias_hh.as_mut(), b_hh),
            ];
            for (param, name) in params {
                if let Some(p) = param.filter(|_| !ruled(&name)) {
                    Init::Uniform { a: -stdv, b: stdv }.fill(p, &join(prefix, &name), rng)?;
                }
            }
        }
        Ok(())
    }

    /// The forward pass from the initial states `h0` and (LSTM only) `c0`, each
    /// `[layers · directions, batch, hidden]` (`[layers · directions, hidden]` for an unbatched
    /// input); `None` is a zero state. Returns the output sequence, `h_n` and, for the LSTM,
    /// `c_n`.
    pub(crate) fn forward(
        &self,
        x: ArrayViewD<'_, f32>,
        h0: Option<ArrayViewD<'_, f32>>,
        c0: Option<ArrayViewD<'_, f32>>,
    ) -> Result<Outputs> {
        let layer = self.kind.layer();
        let (h, dirs) = (self.hidden, self.directions);
        let layout = if self.batch_first {
            "[batch, seq_len, input_size]"
        } else {
            "[seq_len, batch, input_size]"
        };
        let batched = match x.ndim() {
            3 => true,
            2 => false,
            _ => {
                return Err(InitError::input(
                    layer,
                    format!(
                        "input of shape {:?} must have 3 dimensions {layout} or 2 dimensions [seq_len, input_size] (unbatched)",
                        x.shape()
                    ),
                ));
            }
        };
        if x.shape()[x.ndim() - 1] != self.input_size {
            return Err(InitError::input(
                layer,
                format!(
                    "input of shape {:?} must have last dimension {} (input_size)",
                    x.shape(),
                    self.input_size
                ),
            ));
        }
        // Time-major [T, N, IN].
        let x3 = if batched {
            let x3 = x.into_dimensionality::<Ix3>().map_err(|e| internal(layer, e))?;
            if self.batch_first { x3.permuted_axes([1, 0, 2]) } else { x3 }
        } else {
            let x2 = x.into_dimensionality::<Ix2>().map_err(|e| internal(layer, e))?;
            x2.insert_axis(Axis(1))
        };
        let (t_len, n, _) = x3.dim();
        let states = self.layers * dirs;
        let state_shape: Vec<usize> = if batched { vec![states, n, h] } else { vec![states, h] };
        let check_state = |name: &str, s: &ArrayViewD<'_, f32>| -> Result<()> {
            if s.shape() == state_shape.as_slice() {
                return Ok(());
            }
            let axes = if batched {
                "(num_layers * num_directions, batch, hidden_size)"
            } else {
                "(num_layers * num_directions, hidden_size) for an unbatched input"
            };
            Err(InitError::input(
                layer,
                format!("{name} of shape {:?} must have shape {state_shape:?} {axes}", s.shape()),
            ))
        };
        if let Some(h0) = &h0 {
            check_state("h0", h0)?;
        }
        if let Some(c0) = &c0 {
            check_state("c0", c0)?;
        }
        // Initial states as [states, N, H], contiguous.
        let initial = |s: Option<ArrayViewD<'_, f32>>| -> Result<Array3<f32>> {
            match s {
                None => Ok(Array3::zeros((states, n, h))),
                Some(s) => s
                    .as_standard_layout()
                    .into_owned()
                    .into_shape_with_order((states, n, h))
                    .map_err(|e| internal(layer, e)),
            }
        };
        let mut h_n = initial(h0)?;
        let mut c_n = match self.kind {
            CellKind::Lstm => initial(c0)?,
            CellKind::Gru => Array3::zeros((0, 0, 0)),
        };

        // The first layer reads the input in place when it is already time-major and
        // contiguous; each later layer reads the previous layer's output.
        let x_std = x3.as_standard_layout();
        let x2 = x_std
            .view()
            .into_shape_with_order((t_len * n, self.input_size))
            .map_err(|e| internal(layer, e))?;
        let mut prev: Option<Array2<f32>> = None;
        let gh = self.kind.gates() * h;
        let mut gates_h = Array2::<f32>::zeros((n, gh));
        for l in 0..self.layers {
            let input = prev.as_ref().map_or(x2.view(), |p| p.view());
            let mut out = Array2::<f32>::zeros((t_len * n, dirs * h));
            for d in 0..dirs {
                let idx = l * dirs + d;
                let cell = &self.cells[idx];
                let mut hs = h_n.index_axis(Axis(0), idx).to_owned();
                let mut cs = match self.kind {
                    CellKind::Lstm => c_n.index_axis(Axis(0), idx).to_owned(),
                    CellKind::Gru => Array2::zeros((0, 0)),
                };
                let run = Run {
                    kind: self.kind,
                    xp: self.project(layer, input.view(), cell)?,
                    w_hh: cell
                        .weight_hh
                        .view()
                        .into_dimensionality::<Ix2>()
                        .map_err(|e| internal(layer, e))?,
                    b_hn: match (self.kind, &cell.bias_hh) {
                        (CellKind::Gru, Some(b)) => Some(&b.as_slice()[2 * h..]),
                        _ => None,
                    },
                    t_len,
                    n,
                    hidden: h,
                    reverse: d == 1,
                };
                run.steps(&mut hs, &mut cs, &mut gates_h, &mut out, d * h);
                h_n.index_axis_mut(Axis(0), idx).assign(&hs);
                if self.kind == CellKind::Lstm {
                    c_n.index_axis_mut(Axis(0), idx).assign(&cs);
                }
            }
            prev = Some(out);
        }

        let out = prev
            .unwrap_or_else(|| Array2::zeros((t_len * n, dirs * h)))
            .into_shape_with_order((t_len, n, dirs * h))
            .map_err(|e| internal(layer, e))?;
        let out: ArrayD<f32> = if !batched {
            out.index_axis_move(Axis(1), 0).into_dyn()
        } else if self.batch_first {
            out.permuted_axes([1, 0, 2]).as_standard_layout().into_owned().into_dyn()
        } else {
            out.into_dyn()
        };
        let unbatch = |s: Array3<f32>| -> ArrayD<f32> {
            if batched { s.into_dyn() } else { s.index_axis_move(Axis(1), 0).into_dyn() }
        };
        let c_n = (self.kind == CellKind::Lstm).then(|| unbatch(c_n));
        Ok((out, unbatch(h_n), c_n))
    }

    /// `input [T·N, in] · W_ihᵀ + b_ih`, plus the parts of `b_hh` that are simply added to
    /// the gates: all of it for the LSTM, the r and z blocks for the GRU (its n block is
    /// multiplied by r, so it stays in the recurrence).
    fn project(
        &self,
        layer: &'static str,
        input: ArrayView2<'_, f32>,
        cell: &Cell,
    ) -> Result<Array2<f32>> {
        let w_ih =
            cell.weight_ih.view().into_dimensionality::<Ix2>().map_err(|e| internal(layer, e))?;
        let mut xp = input.dot(&w_ih.t());
        let mut bias = ndarray::Array1::<f32>::zeros(xp.ncols());
        if let Some(b) = &cell.bias_ih {
            bias += &b.view().into_dimensionality::<Ix1>().map_err(|e| internal(layer, e))?;
        }
        if let Some(b) = &cell.bias_hh {
            let b = b.view().into_dimensionality::<Ix1>().map_err(|e| internal(layer, e))?;
            let folded = match self.kind {
                CellKind::Lstm => b.len(),
                CellKind::Gru => 2 * self.hidden,
            };
            let mut head = bias.slice_mut(s![..folded]);
            head += &b.slice(s![..folded]);
        }
        if cell.bias_ih.is_some() || cell.bias_hh.is_some() {
            xp += &bias;
        }
        Ok(xp)
    }
}

/// One layer in one direction: the projected inputs and the recurrent weights.
struct Run<'a> {
    kind: CellKind,
    /// `[T·N, G·H]`, time-major, input biases (and foldable hidden biases) included.
    xp: Array2<f32>,
    w_hh: ArrayView2<'a, f32>,
    /// The GRU's `b_hn`, added to `W_hn h` before the reset gate multiplies it.
    b_hn: Option<&'a [f32]>,
    t_len: usize,
    n: usize,
    hidden: usize,
    reverse: bool,
}

impl Run<'_> {
    /// Run the recurrence from state `hs [N, H]` (and `cs [N, H]` for the LSTM), leaving the
    /// final state there and writing `h_t` into `out[t·N.., col..col + H]`.
    fn steps(
        &self,
        hs: &mut Array2<f32>,
        cs: &mut Array2<f32>,
        gates_h: &mut Array2<f32>,
        out: &mut Array2<f32>,
        col: usize,
    ) {
        let (n, h) = (self.n, self.hidden);
        let gh = self.kind.gates() * h;
        let xp = self.xp.as_slice().unwrap_or(&[]);
        for step in 0..self.t_len {
            let t = if self.reverse { self.t_len - 1 - step } else { step };
            general_mat_mul(1.0, &hs.view(), &self.w_hh.t(), 0.0, gates_h);
            let hg = gates_h.as_slice().unwrap_or(&[]);
            let hv = hs.as_slice_mut().unwrap_or(&mut []);
            match self.kind {
                CellKind::Lstm => {
                    let cv = cs.as_slice_mut().unwrap_or(&mut []);
                    for b in 0..n {
                        let x = &xp[(t * n + b) * gh..][..gh];
                        let g = &hg[b * gh..][..gh];
                        for j in 0..h {
                            let i_g = sigmoid(x[j] + g[j]);
                            let f_g = sigmoid(x[h + j] + g[h + j]);
                            let g_g = (x[2 * h + j] + g[2 * h + j]).tanh();
                            let o_g = sigmoid(x[3 * h + j] + g[3 * h + j]);
                            let c = f_g * cv[b * h + j] + i_g * g_g;
                            cv[b * h + j] = c;
                            hv[b * h + j] = o_g * c.tanh();
                        }
                    }
                }
                CellKind::Gru => {
                    for b in 0..n {
                        let x = &xp[(t * n + b) * gh..][..gh];
                        let g = &hg[b * gh..][..gh];
                        for j in 0..h {
                            let r = sigmoid(x[j] + g[j]);
                            let z = sigmoid(x[h + j] + g[h + j]);
                            let hn = g[2 * h + j] + self.b_hn.map_or(0.0, |bn| bn[j]);
                            let nn = (x[2 * h + j] + r * hn).tanh();
                            let prev = hv[b * h + j];
                            hv[b * h + j] = (1.0 - z) * nn + z * prev;
                        }
                    }
                }
            }
            out.slice_mut(s![t * n..(t + 1) * n, col..col + h]).assign(hs);
        }
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// A shape error that the checks above rule out; reported, never a panic.
fn internal(layer: &'static str, e: ndarray::ShapeError) -> InitError {
    InitError::input(layer, e.to_string())
}
