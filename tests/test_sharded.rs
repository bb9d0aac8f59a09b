//! Sharded initialization: any slice of a parameter, generated alone with `Init::fill_slice`,
//! equals that slice of the whole parameter, for every elementwise scheme.

use init::{FanAxes, FanMode, Init, Nonlinearity, Param, Seed};

const SHAPE: [usize; 4] = [40, 16, 3, 3]; // 5,760 elements
const SLICES: [(usize, usize); 6] =
    [(0, 5760), (0, 1), (1, 2), (7, 1000), (333, 4097), (5759, 5760)];

fn elementwise() -> Vec<Init> {
    let torch = FanAxes::TORCH;
    vec![
        Init::Uniform { a: -1.0, b: 3.0 },
        Init::Normal { mean: 1.0, std: 0.5 },
        Init::TruncNormal { mean: 0.0, std: 0.02, a: -2.0, b: 2.0 },
        Init::TruncNormal { mean: 0.0, std: 1.0, a: 0.5, b: 0.75 },
        Init::KaimingUniform {
            a: 0.0,
            mode: FanMode::FanIn,
            nonlinearity: Nonlinearity::Relu,
            axes: torch,
        },
        Init::KaimingNormal {
            a: 0.0,
            mode: FanMode::FanOut,
            nonlinearity: Nonlinearity::Relu,
            axes: torch,
        },
        Init::XavierUniform { gain: 1.0, axes: torch },
        Init::LecunNormal { axes: torch },
        Init::Constant { value: 0.25 },
    ]
}

#[test]
fn every_slice_equals_the_slice_of_the_whole() {
    for init in elementwise() {
        let mut whole = Param::zeros(&SHAPE);
        init.apply(whole.at("block.conv.weight"), &mut Seed::new(77)).unwrap();
        for (a, b) in SLICES {
            let mut part = vec![f32::NAN; b - a];
            init.fill_slice("block.conv.weight", &SHAPE, a, &mut part, &Seed::new(77)).unwrap();
            let want = &whole.as_slice()[a..b];
            assert!(
                part.iter().zip(want).all(|(x, y)| x.to_bits() == y.to_bits()),
                "{init}: slice {a}..{b} differs"
            );
        }
    }
}

#[test]
fn shards_of_four_ranks_rebuild_the_parameter() {
    let init = Init::KaimingUniform {
        a: 5f64.sqrt(),
        mode: FanMode::FanIn,
        nonlinearity: Nonlinearity::LeakyRelu,
        axes: FanAxes::TORCH,
    };
    let mut whole = Param::zeros(&[4096, 257]);
    init.apply(whole.at("lm_head.weight"), &mut Seed::new(1)).unwrap();
    let rows_per_rank = 1024 * 257;
    let mut rebuilt = Vec::new();
    for rank in 0..4 {
        let mut shard = vec![0.0f32; rows_per_rank];
        init.fill_slice(
            "lm_head.weight",
            &[4096, 257],
            rank * rows_per_rank,
            &mut shard,
            &Seed::new(1),
        )
        .unwrap();
        rebuilt.extend(shard);
    }
    assert_eq!(rebuilt.as_slice(), whole.as_slice());
}

#[test]
fn whole_tensor_schemes_and_bad_slices_are_errors() {
    let seed = Seed::new(0);
    let mut out = vec![0.0f32; 4];
    let err =
        Init::Orthogonal { gain: 1.0 }.fill_slice("w", &[4, 4], 0, &mut out, &seed).unwrap_err();
    assert_eq!(
        err.to_string(),
        "w: orthogonal needs the whole tensor and cannot fill a slice of it alone"
    );
    let err = Init::Zeros.fill_slice("w", &[usize::MAX, 3], 0, &mut out, &seed).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("w: shape [{}, 3] has more elements than can be addressed", usize::MAX)
    );
    let err = Init::Zeros.fill_slice("w", &[2, 3], 4, &mut out, &seed).unwrap_err();
    assert_eq!(err.to_string(), "w: slice 4..8 is out of bounds for a parameter of 6 elements");
    let err = Init::XavierNormal { gain: 1.0, axes: FanAxes::TORCH }
        .fill_slice("b", &[6], 0, &mut out, &seed)
        .unwrap_err();
    assert!(
        err.to_string().starts_with("b: xavier_normal cannot compute fan_in and fan_out"),
        "{err}"
    );
}
