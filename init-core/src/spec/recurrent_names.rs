//! Parameter names of recurrent layers (`weight_ih_l0`, `bias_hh_l1_reverse`, ...) as
//! constants, for [`ParamTable`](super::ParamTable)s of LSTM and GRU.

use super::ParamTable;

/// Layers whose names are recorded; deeper ones are left out of the table.
const MAX_LAYERS: usize = 8;

/// `[layer][weight_ih, weight_hh, bias_ih, bias_hh]`, forward direction.
const FORWARD: [[&str; 4]; MAX_LAYERS] = [
    ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"],
    ["weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"],
    ["weight_ih_l2", "weight_hh_l2", "bias_ih_l2", "bias_hh_l2"],
    ["weight_ih_l3", "weight_hh_l3", "bias_ih_l3", "bias_hh_l3"],
    ["weight_ih_l4", "weight_hh_l4", "bias_ih_l4", "bias_hh_l4"],
    ["weight_ih_l5", "weight_hh_l5", "bias_ih_l5", "bias_hh_l5"],
    ["weight_ih_l6", "weight_hh_l6", "bias_ih_l6", "bias_hh_l6"],
    ["weight_ih_l7", "weight_hh_l7", "bias_ih_l7", "bias_hh_l7"],
];

/// `[layer][weight_ih, weight_hh, bias_ih, bias_hh]`, reverse direction.
const REVERSE: [[&str; 4]; MAX_LAYERS] = [
    ["weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse"],
    ["weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse"],
    ["weight_ih_l2_reverse", "weight_hh_l2_reverse", "bias_ih_l2_reverse", "bias_hh_l2_reverse"],
    ["weight_ih_l3_reverse", "weight_hh_l3_reverse", "bias_ih_l3_reverse", "bias_hh_l3_reverse"],
    ["weight_ih_l4_reverse", "weight_hh_l4_reverse", "bias_ih_l4_reverse", "bias_hh_l4_reverse"],
    ["weight_ih_l5_reverse", "weight_hh_l5_reverse", "bias_ih_l5_reverse", "bias_hh_l5_reverse"],
    ["weight_ih_l6_reverse", "weight_hh_l6_reverse", "bias_ih_l6_reverse", "bias_hh_l6_reverse"],
    ["weight_ih_l7_reverse", "weight_hh_l7_reverse", "bias_ih_l7_reverse", "bias_hh_l7_reverse"],
];

/// The table of an RNN with `gates` gates per hidden unit (4 for LSTM, 3 for GRU), in
/// PyTorch's registration order: layer 0 forward, layer 0 reverse, layer 1 forward, ...
pub const fn recurrent_table(
    gates: usize,
    input: usize,
    hidden: usize,
    layers: usize,
    bidirectional: bool,
    bias: bool,
) -> ParamTable {
    let mut t = ParamTable::EMPTY;
    let dirs = if bidirectional { 2 } else { 1 };
    let mut l = 0;
    while l < layers {
        if l == MAX_LAYERS {
            t.truncated = true;
            break;
        }
        let in_l = if l == 0 { input } else { hidden * dirs };
        let mut d = 0;
        while d < dirs {
            let names = if d == 0 { FORWARD[l] } else { REVERSE[l] };
            t = t.with(names[0], &[gates * hidden, in_l]);
            t = t.with(names[1], &[gates * hidden, hidden]);
            t = t.with_if(bias, names[2], &[gates * hidden]);
            t = t.with_if(bias, names[3], &[gates * hidden]);
            d += 1;
        }
        l += 1;
    }
    t
}
