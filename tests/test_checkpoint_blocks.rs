//! Tensor-parallel blocks: each rank's block of a parameter, filled alone with fans and
//! bounds from the global shape, is that block of the whole, bit for bit, at TP 1, 2, 4 and
//! 8 with splits that do not divide evenly; Megatron's column- and row-parallel Linear and
//! vocab-parallel Embedding, and any N-d block.

use std::ops::Range;

use init::prelude::*;
use init::{Entry, FanAxes, Plan, TensorParallel, split_range};

const SEED: u64 = 21;

/// A Linear of 37 outputs and 29 inputs, an Embedding of 1003 rows (none divisible by 2, 4
/// or 8), with PyTorch's defaults (kaiming_uniform(√5) and its bias bound 1/√fan_in; N(0, 1)
/// with a zeroed padding row).
#[derive(Module)]
struct Net {
    fc: Linear<29, 37>,
    #[layer(padding_idx = 5)]
    emb: Embedding<1003, 12>,
    #[init(orthogonal)]
    orth: Linear<9, 7, false>,
    #[init(xavier_normal)]
    conv: Conv2d<5, 6, 3>,
}

/// The block of the row-major `whole` of `shape`.
fn cut(whole: &[f32], shape: &[usize], block: &[Range<usize>]) -> Vec<u32> {
    let mut out = Vec::new();
    let strides: Vec<usize> = (0..shape.len()).map(|i| shape[i + 1..].iter().product()).collect();
    let n: usize = block.iter().map(|r| r.len()).product();
    for k in 0..n {
        let (mut rest, mut at) = (k, 0);
        for i in (0..shape.len()).rev() {
            let len = block[i].len();
            at += (block[i].start + rest % len) * strides[i];
            rest /= len;
        }
        out.push(whole[at].to_bits());
    }
    out
}

fn filled(e: &Entry, block: &[Range<usize>]) -> Vec<u32> {
    let n: usize = block.iter().map(|r| r.len()).product();
    let mut out = vec![f32::NAN; n];
    e.fill_block(&Seed::new(SEED), block, &mut out).unwrap();
    out.iter().map(|v| v.to_bits()).collect()
}

#[test]
fn megatron_splits_at_tp_1_2_4_8_equal_the_blocks_of_the_whole() {
    let plan = Plan::of::<Net>().unwrap();
    let net = Net::new(&mut Seed::new(SEED)).unwrap();
    let cases = [
        ("fc.weight", TensorParallel::Column),
        ("fc.bias", TensorParallel::Column),
        ("fc.weight", TensorParallel::Row),
        ("fc.bias", TensorParallel::Row),
        ("emb.weight", TensorParallel::Vocab),
        ("orth.weight", TensorParallel::Column),
        ("conv.weight", TensorParallel::Row),
    ];
    for (key, how) in cases {
        let e = plan.get(key).unwrap();
        let p = net.get_parameter(key).unwrap();
        for tp in [1, 2, 4, 8] {
            let mut rows = 0;
            for rank in 0..tp {
                let block = how.block(e.shape(), rank, tp).unwrap();
                let want = cut(p.as_slice(), e.shape(), &block);
                assert_eq!(filled(e, &block), want, "{key} {how:?} rank {rank} of {tp}");
                rows += block.get(how.axis()).map_or(0, |r| r.len());
            }
            // The blocks tile the split axis (a 1-D bias is whole on every row-parallel rank).
            let axis_len = e.shape().get(how.axis()).copied().unwrap_or(0);
            assert!(rows == axis_len || e.shape().len() <= how.axis(), "{key} at TP {tp}");
        }
    }
}

#[test]
fn uneven_splits_are_tensor_splits() {
    let sizes: Vec<usize> = (0..8).map(|r| split_range(37, 8, r).len()).collect();
    assert_eq!(sizes, [5, 5, 5, 5, 5, 4, 4, 4]);
    assert_eq!(split_range(1003, 4, 3), 753..1003); // torch.arange(1003).tensor_split(4)[3]
    assert_eq!(split_range(3, 8, 7), 3..3);
}

#[test]
fn any_nd_block_equals_that_block_of_the_whole() {
    let plan = Plan::of::<Net>().unwrap();
    let net = Net::new(&mut Seed::new(SEED)).unwrap();
    let e = plan.get("conv.weight").unwrap(); // [6, 5, 3, 3]
    let p = net.get_parameter("conv.weight").unwrap();
    let blocks = [
        vec![1..4, 2..5, 0..3, 0..3],
        vec![0..6, 0..5, 1..2, 0..3],
        vec![5..6, 0..1, 2..3, 1..2],
        vec![2..5, 1..4, 0..2, 1..3],
        vec![0..6, 0..5, 0..3, 0..3],
        vec![3..3, 0..5, 0..3, 0..3],
    ];
    for b in blocks {
        assert_eq!(filled(e, &b), cut(p.as_slice(), e.shape(), &b), "{b:?}");
    }
    let emb = plan.get("emb.weight").unwrap();
    let block = [4..7, 3..9]; // crosses the zeroed padding row 5
    let got = filled(emb, &block);
    assert!(got[6..12].iter().all(|&b| b == 0), "padding row zeroed in the block");
    let w = net.get_parameter("emb.weight").unwrap();
    assert_eq!(got, cut(w.as_slice(), emb.shape(), &block));
}

/// The Megatron-Bridge mistake: fans taken from the shard. A column-parallel rank of
/// `fc.weight` holds all 29 inputs, so kaiming (fan_in) is unchanged; a row-parallel rank
/// holds 8 of them, and a bound from the shard's fan_in would be √(29/8) ≈ 1.9 times too
/// wide. The block keeps the global bound.
#[test]
fn row_parallel_blocks_keep_the_global_fan_in() {
    let plan = Plan::of::<Net>().unwrap();
    let e = plan.get("fc.weight").unwrap();
    let block = TensorParallel::Row.block(e.shape(), 0, 4).unwrap();
    assert_eq!(block, vec![0..37, 0..8]);
    let mut mine = vec![0.0f32; 37 * 8];
    e.fill_block(&Seed::new(SEED), &block, &mut mine).unwrap();
    let global_bound = (1.0f32 / 29.0).sqrt(); // kaiming_uniform(a = √5): 1/√fan_in
    let max = mine.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(max <= global_bound && max > 0.8 * global_bound, "max |w| = {max}");
    // The shard's own fan_in (8) would allow values up to 1/√8, which never appear.
    let shard_plan = Init::KaimingUniform {
        a: 5f64.sqrt(),
        mode: FanMode::FanIn,
        nonlinearity: Nonlinearity::LeakyRelu,
        axes: FanAxes::TORCH,
    };
    let mut wrong = vec![0.0f32; 37 * 8];
    shard_plan.fill_slice("fc.weight", &[37, 8], 0, &mut wrong, &Seed::new(SEED)).unwrap();
    assert!(wrong.iter().any(|v| v.abs() > global_bound));
}

#[test]
fn bad_blocks_are_errors_naming_the_key() {
    let plan = Plan::of::<Net>().unwrap();
    let e = plan.get("fc.weight").unwrap();
    let mut out = vec![0.0f32; 4];
    let msg = |b: &[Range<usize>], out: &mut [f32]| {
        e.fill_block(&Seed::new(0), b, out).unwrap_err().to_string()
    };
    let one_axis: Vec<Range<usize>> = vec![Range { start: 0, end: 2 }];
    assert_eq!(
        msg(&one_axis, &mut out),
        "fc.weight: a block of 1 axes for a tensor of 2 (shape [37, 29])"
    );
    assert_eq!(
        msg(&[0..2, 28..30], &mut out),
        "fc.weight: range 28..30 of axis 1 is outside 0..29 (shape [37, 29])"
    );
    assert_eq!(
        msg(&[0..2, 0..3], &mut out),
        "fc.weight: the block has 6 elements, out 4 (shape [37, 29])"
    );
    let err = TensorParallel::Column.block(e.shape(), 4, 4).unwrap_err();
    assert_eq!(err.to_string(), "tensor-parallel rank 4 of 4 does not exist");
}
