//! The 1-D and 3-D pools, the 2-D pools' `ceil_mode`, and `Upsample` against PyTorch's
//! fixtures (names, no state, no draws, forward outputs); the exact errors of bad inputs and
//! settings.

mod common;

use common::check_parameterless;
use init::ndarray::{ArrayD, Axis, IxDyn};
use init::{
    AdaptiveAvgPool1d, AvgPool1d, AvgPool2d, AvgPool3d, Forward, ForwardModule, MaxPool1d,
    MaxPool2d, MaxPool3d, Upsample, UpsampleMode,
};

#[test]
fn maxpool1d_matches_pytorch() {
    let ctor = "nn.MaxPool1d(3, stride=2, padding=1, dilation=2, ceil_mode=True)";
    check_parameterless(
        "maxpool1d",
        ctor,
        &mut MaxPool1d::<3, 2, 1, 2>::new().with_ceil_mode(true),
    );
}

#[test]
fn maxpool2d_ceil_matches_pytorch() {
    let ctor = "nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)";
    check_parameterless(
        "maxpool2d_ceil",
        ctor,
        &mut MaxPool2d::<3, 2, 1>::new().with_ceil_mode(true),
    );
}

#[test]
fn maxpool3d_per_axis_matches_pytorch() {
    let ctor = "nn.MaxPool3d((1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1))";
    check_parameterless("maxpool3d", ctor, &mut MaxPool3d::<1, 1, 0, 1, 3, 2, 1>::new());
}

#[test]
fn maxpool3d_ceil_unbatched_matches_pytorch() {
    let ctor = "nn.MaxPool3d(2, ceil_mode=True)";
    check_parameterless("maxpool3d_ceil", ctor, &mut MaxPool3d::<2>::new().with_ceil_mode(true));
}

#[test]
fn avgpool1d_matches_pytorch() {
    let ctor = "nn.AvgPool1d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)";
    let pool = AvgPool1d::<3, 2, 1>::new().with_ceil_mode(true).with_count_include_pad(false);
    check_parameterless("avgpool1d", ctor, &mut pool.clone());
    assert!(pool.ceil_mode() && !pool.count_include_pad());
}

#[test]
fn avgpool2d_ceil_matches_pytorch() {
    let ctor = "nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True)";
    check_parameterless(
        "avgpool2d_ceil",
        ctor,
        &mut AvgPool2d::<3, 2, 1>::new().with_ceil_mode(true),
    );
}

#[test]
fn avgpool3d_matches_pytorch() {
    let ctor = "nn.AvgPool3d(3, stride=2, padding=1, ceil_mode=True)";
    check_parameterless("avgpool3d", ctor, &mut AvgPool3d::<3, 2, 1>::new().with_ceil_mode(true));
    let ctor = "nn.AvgPool3d((2, 3, 3), stride=(1, 2, 2), padding=(1, 1, 0), divisor_override=5)";
    let pool =
        AvgPool3d::<2, 1, 1, 3, 2, 1, 3, 2, 0>::new().with_divisor_override(Some(5)).unwrap();
    assert_eq!(pool.divisor_override(), Some(5));
    check_parameterless("avgpool3d_div", ctor, &mut pool.clone());
}

#[test]
fn adaptive_avgpool1d_matches_pytorch_batched_and_not() {
    check_parameterless(
        "adaptive_avgpool1d",
        "nn.AdaptiveAvgPool1d(3)",
        &mut AdaptiveAvgPool1d::<3>,
    );
}

#[test]
fn upsample_nearest_matches_pytorch() {
    let up = |scale: &[f64]| Upsample::new().with_scale_factor(scale).unwrap();
    check_parameterless("upsample_nearest", "nn.Upsample(scale_factor=2)", &mut up(&[2.0]));
    // 1.7 on a width of 10: 17 outputs, source index ⌊i / 1.7⌋ (not i · 10 / 17).
    check_parameterless("upsample_nearest_frac", "nn.Upsample(scale_factor=1.7)", &mut up(&[1.7]));
    let ctor = "nn.Upsample(scale_factor=1.15, recompute_scale_factor=True)";
    let mut recompute = up(&[1.15]).with_recompute_scale_factor(true).unwrap();
    check_parameterless("upsample_nearest_recompute", ctor, &mut recompute);
    let mut sized = Upsample::new().with_size([2, 5, 3]).unwrap();
    check_parameterless("upsample_nearest3d", "nn.Upsample(size=(2, 5, 3))", &mut sized);
}

#[test]
fn upsample_nearest_uses_the_given_scale_unless_recomputed() {
    // The recompute fixture's last output differs between the two rules: the fixture pins
    // which one PyTorch uses.
    let fx = common::Fixture::load("upsample_nearest_recompute");
    let x = fx.f32("input");
    let plain = Upsample::new().with_scale_factor([1.15]).unwrap().forward(x.view()).unwrap();
    assert_ne!(plain, fx.f32("output"));
}

#[test]
fn upsample_bilinear_matches_pytorch() {
    let ctor = "nn.Upsample(scale_factor=(1.5, 2.5), mode='bilinear')";
    let mut up = Upsample::new()
        .with_scale_factor([1.5, 2.5])
        .unwrap()
        .with_mode(UpsampleMode::Bilinear)
        .unwrap();
    check_parameterless("upsample_bilinear", ctor, &mut up);
    let ctor = "nn.Upsample(size=(5, 7), mode='bilinear', align_corners=True)";
    let mut up = Upsample::new()
        .with_mode("bilinear".parse().unwrap())
        .unwrap()
        .with_align_corners(true)
        .unwrap()
        .with_size([5, 7])
        .unwrap();
    check_parameterless("upsample_bilinear_corners", ctor, &mut up);
}

fn err(m: &dyn Forward, shape: &[usize]) -> String {
    m.forward(ArrayD::<f32>::zeros(IxDyn(shape)).view()).unwrap_err().to_string()
}

#[test]
fn pool_input_errors_are_exact() {
    assert_eq!(
        err(&MaxPool1d::<2>::new(), &[1, 1, 1, 4]),
        "MaxPool1d: input of shape [1, 1, 1, 4] must have 2 or 3 dimensions ([C, L] or [N, C, L])"
    );
    assert_eq!(
        err(&AvgPool3d::<2>::new(), &[2, 2, 2]),
        "AvgPool3d: input of shape [2, 2, 2] must have 4 or 5 dimensions ([C, D, H, W] or [N, C, D, H, W])"
    );
    assert_eq!(
        err(&AdaptiveAvgPool1d::<2>, &[3, 0]),
        "AdaptiveAvgPool1d: input of shape [3, 0] must have non-zero channel and length sizes"
    );
    assert_eq!(
        err(&MaxPool3d::<2>::new(), &[1, 0, 4, 4, 4]),
        "MaxPool3d: input of shape [1, 0, 4, 4, 4] must have non-zero channel, depth, height and width sizes"
    );
    // Per axis: the depth window (extent 3) does not fit a depth of 2, the others would.
    assert_eq!(
        err(&MaxPool3d::<3, 1, 0, 1, 1>::new(), &[1, 2, 5, 5]),
        "MaxPool3d: input of shape [1, 2, 5, 5] is too small: padded depth 2 is less than the kernel's extent 3"
    );
    assert_eq!(
        err(&AvgPool1d::<4, 1, 1>::new(), &[1, 1]),
        "AvgPool1d: input of shape [1, 1] is too small: padded length 3 is less than the kernel's extent 4"
    );
}

#[test]
fn ceil_mode_windows_that_would_start_in_the_padding_are_dropped() {
    // L = 4, kernel 2, stride 3, padding 1: padded length 6; ceil((6 − 2) / 3) + 1 = 3
    // windows, but the third would start at 2·3 − 1 = 5 >= L: in the right padding.
    let x = ArrayD::from_shape_vec(IxDyn(&[1, 4]), vec![1.0, 2.0, 3.0, 4.0]).unwrap();
    let y = MaxPool1d::<2, 3, 1>::new().with_ceil_mode(true).forward(x.view()).unwrap();
    assert_eq!(y.as_slice().unwrap(), &[1.0, 4.0]);
    let y = AvgPool1d::<2, 3, 1>::new().with_ceil_mode(true).forward(x.view()).unwrap();
    assert_eq!(y.as_slice().unwrap(), &[0.5, 3.5]);
    // Kernel 1, stride 2, padding 0 on L = 4: ceil keeps the windows at 0 and 2 only.
    let y = MaxPool1d::<1, 2>::new().with_ceil_mode(true).forward(x.view()).unwrap();
    assert_eq!(y.as_slice().unwrap(), &[1.0, 3.0]);
}

#[test]
fn pools_accept_unbatched_and_empty_batches() {
    let x = ArrayD::from_shape_fn(IxDyn(&[2, 3, 4, 5, 6]), |i| {
        ((i[0] * 120 + i[1] * 40 + i[2] * 30 + i[3] * 6 + i[4]) as f32 * 0.37).sin()
    });
    let layers: [Box<dyn ForwardModule>; 3] = [
        Box::new(MaxPool3d::<2, 2, 1, 1, 3, 2, 1>::new().with_ceil_mode(true)),
        Box::new(AvgPool3d::<3, 2, 1>::new().with_count_include_pad(false)),
        Box::new(Upsample::new().with_scale_factor([1.5, 0.5, 2.0]).unwrap()),
    ];
    for m in &layers {
        let batched = m.forward(x.view()).unwrap();
        if m.kind() != init::LayerKind::Upsample {
            for n in 0..2 {
                let one = m.forward(x.index_axis(Axis(0), n)).unwrap();
                assert_eq!(one, batched.index_axis(Axis(0), n), "{}", m.kind());
            }
        }
        let empty = m.forward(ArrayD::<f32>::zeros(IxDyn(&[0, 3, 4, 5, 6])).view()).unwrap();
        assert_eq!(&empty.shape()[..2], &[0, 3]);
        assert_eq!(&empty.shape()[2..], &batched.shape()[2..]);
    }
}

#[test]
fn avg_pool_divisor_override_refuses_zero() {
    let err = AvgPool2d::<2>::new().with_divisor_override(Some(0)).unwrap_err();
    assert_eq!(err.to_string(), "AvgPool2d: divisor_override must be > 0, got Some(0)");
    let err = AvgPool3d::<2>::new().with_divisor_override(Some(0)).unwrap_err();
    assert_eq!(err.to_string(), "AvgPool3d: divisor_override must be > 0, got Some(0)");
    assert_eq!(AvgPool2d::<2>::new().with_divisor_override(None).unwrap().divisor_override(), None);
}

#[test]
fn upsample_settings_refuse_what_pytorch_refuses() {
    let msg = |r: init::Result<Upsample>| r.unwrap_err().to_string();
    let up = Upsample::new;
    assert_eq!(msg(up().with_size([0, 2])), "Upsample: size must be > 0 on every axis, got [0, 2]");
    assert_eq!(
        msg(up().with_size([])),
        "Upsample: size must have 1 to 3 values (one, or one per spatial axis), got []"
    );
    assert_eq!(
        msg(up().with_scale_factor([2.0, f64::NAN])),
        "Upsample: scale_factor must be finite and > 0 on every axis, got [2.0, NaN]"
    );
    assert_eq!(
        msg(up().with_scale_factor([1.0, 1.0, 1.0, 1.0])),
        "Upsample: scale_factor must have 1 to 3 values (one, or one per spatial axis), got [1.0, 1.0, 1.0, 1.0]"
    );
    assert_eq!(
        msg(up().with_size([4]).unwrap().with_scale_factor([2.0])),
        "Upsample: only one of size or scale_factor should be defined, got [2.0]"
    );
    assert_eq!(
        msg(up().with_scale_factor([2.0]).unwrap().with_size([4])),
        "Upsample: only one of size or scale_factor should be defined, got [4]"
    );
    assert_eq!(
        msg(up().with_size([4]).unwrap().with_recompute_scale_factor(true)),
        "Upsample: recompute_scale_factor is not meaningful with an explicit size, got true"
    );
    let bilinear = up().with_mode(UpsampleMode::Bilinear).unwrap().with_align_corners(false);
    assert_eq!(
        msg(bilinear.unwrap().with_mode(UpsampleMode::Nearest)),
        "Upsample: align_corners can only be set with the interpolating mode bilinear, got nearest"
    );
    assert_eq!(
        "linear".parse::<UpsampleMode>().unwrap_err().to_string(),
        r#"Upsample: mode must be "nearest" or "bilinear", got "linear""#
    );
}

#[test]
fn upsample_input_errors_are_exact() {
    let near = Upsample::new().with_scale_factor([2.0]).unwrap();
    assert_eq!(
        err(&Upsample::new(), &[1, 1, 2, 2]),
        "Upsample: either size or scale_factor should be defined"
    );
    assert_eq!(
        err(&near, &[2, 2]),
        "Upsample: input of shape [2, 2] must have 3, 4 or 5 dimensions ([N, C, L], [N, C, H, W] or [N, C, D, H, W]) for mode nearest"
    );
    let bilinear = near.clone().with_mode(UpsampleMode::Bilinear).unwrap();
    assert_eq!(
        err(&bilinear, &[1, 1, 4]),
        "Upsample: input of shape [1, 1, 4] must have 4 dimensions ([N, C, H, W]) for mode bilinear"
    );
    assert_eq!(
        err(&near, &[1, 0, 4]),
        "Upsample: input of shape [1, 0, 4] must have non-zero channel and spatial sizes"
    );
    let two = Upsample::new().with_size([3, 3]).unwrap();
    assert_eq!(
        err(&two, &[1, 1, 4]),
        "Upsample: size has 2 values but the input of shape [1, 1, 4] has 1 spatial axes"
    );
    let shrink = Upsample::new().with_scale_factor([0.1]).unwrap();
    assert_eq!(
        err(&shrink, &[1, 1, 4]),
        "Upsample: scale_factor 0.1 gives an output size of 0 for an input size of 4 (input of shape [1, 1, 4])"
    );
    // A hostile scale: an error, not an abort on a huge allocation.
    let huge = Upsample::new().with_scale_factor([1e15]).unwrap();
    assert_eq!(
        err(&huge, &[1, 1, 4, 4]),
        "Upsample: the output of sizes [4000000000000000, 4000000000000000] for input of shape [1, 1, 4, 4] cannot be allocated"
    );
    let big = Upsample::new().with_scale_factor([1e9]).unwrap();
    assert!(err(&big, &[1, 1, 4, 4]).contains("cannot be allocated"));
}

#[test]
fn per_axis_windows_default_to_the_previous_axis_and_are_checked_at_compile_time() {
    use init::__private::LayerSpec;
    // Height and width repeat the depth window unless written: the cube is one type.
    let _: MaxPool3d<3, 2, 1, 1, 3, 2, 1, 1, 3, 2, 1, 1> = MaxPool3d::<3, 2, 1>::new();
    let _: AvgPool3d<1, 1, 0, 2, 2, 0, 2, 2, 0> = AvgPool3d::<1, 1, 0, 2, 2>::new();
    // The height stride repeats the depth stride, not the height kernel: written out.
    let _: AvgPool3d<1, 1, 0, 2, 1, 0, 2, 1, 0> = AvgPool3d::<1, 1, 0, 2>::new();
    assert_eq!(<MaxPool3d<3, 2, 1> as LayerSpec>::CONFIG.message(), None);
    assert_eq!(
        <MaxPool3d<1, 1, 1> as LayerSpec>::CONFIG.message(),
        Some("MaxPool3d: padding (depth) = 1 must be at most half of kernel_size (depth) = 1")
    );
    assert_eq!(
        <MaxPool3d<3, 1, 1, 1, 3, 1, 1, 1, 2, 1, 2> as LayerSpec>::CONFIG.message(),
        Some("MaxPool3d: padding (width) = 2 must be at most half of kernel_size (width) = 2")
    );
    assert_eq!(
        <AvgPool3d<2, 2, 1, 3, 0> as LayerSpec>::CONFIG.message(),
        Some("AvgPool3d: stride (height) must be > 0, got 0")
    );
    assert_eq!(
        <MaxPool1d<2, 2, 0, 0> as LayerSpec>::CONFIG.message(),
        Some("MaxPool1d: dilation must be > 0, got 0")
    );
    assert_eq!(
        <AvgPool1d<3, 1, 2> as LayerSpec>::CONFIG.message(),
        Some("AvgPool1d: padding = 2 must be at most half of kernel_size = 3")
    );
}
