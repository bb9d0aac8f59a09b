//! Convolutions with per-axis kernels and settings, `padding = "same"`/`"valid"`, padding
//! modes, the 1-d and 3-d transposed convolutions, against PyTorch: default init bit for bit,
//! names, forward passes. Then the settings' rules and hostile inputs, with exact messages.

mod common;

use init::ndarray::{ArrayD, Axis};
use init::{
    Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, Forward, Generator,
    Module, Padding, PaddingMode, TorchGenerator,
};

/// Build `case`'s layer with `TorchGenerator::new(seed)` and check it against PyTorch: the
/// constructor expression, default init bit for bit, every name list, and the forward pass
/// on `param.*` (batched, and the first item alone without a batch axis).
fn check_case<M: Module + Forward>(case: &str, ctor: &str, build: fn(&mut dyn Generator) -> M) {
    let fx = common::Fixture::load(case);
    assert_eq!(fx.meta["ctor"], ctor, "{case}: the fixture was built by another constructor");
    let seed: u64 = fx.meta["seed"].parse().unwrap();
    let mut m = build(&mut TorchGenerator::new(seed));
    fx.assert_state_eq(&m, "init");
    common::Names::load(case).assert_match(&mut m);
    fx.load_into(&mut m, "param");
    let (x, want) = (fx.f32("input"), fx.f32("output"));
    let y = m.forward(x.view()).unwrap();
    common::assert_close(&y, &want, case);
    let y0 = m.forward(x.index_axis(Axis(0), 0)).unwrap();
    common::assert_close(&y0, &want.index_axis(Axis(0), 0).to_owned(), &format!("{case}[0]"));
}

#[test]
fn inception_1x7_matches_pytorch() {
    check_case(
        "conv2d_inception",
        "nn.Conv2d(6, 4, kernel_size=(1, 7), padding=(0, 3), bias=False)",
        |rng| {
            Conv2d::<6, 4, 1, 1, 0, 1, 1, false, 7>::new(rng).unwrap().with_padding([0, 3]).unwrap()
        },
    );
}

#[test]
fn per_axis_stride_padding_dilation_with_groups_match_pytorch() {
    check_case(
        "conv2d_per_axis",
        "nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2)",
        |rng| {
            let c = Conv2d::<4, 6, 3, 1, 0, 1, 2, true, 2>::new(rng).unwrap();
            c.with_stride([2, 1])
                .unwrap()
                .with_padding([1, 0])
                .unwrap()
                .with_dilation([1, 2])
                .unwrap()
        },
    );
}

#[test]
fn same_padding_with_odd_and_even_totals_matches_pytorch() {
    // Totals: 3 on the height (1 before, 2 after), 4 on the width (2 and 2).
    check_case(
        "conv2d_same",
        "nn.Conv2d(2, 3, (4, 3), padding=\"same\", dilation=(1, 2))",
        |rng| {
            let c = Conv2d::<2, 3, 4, 1, 0, 1, 1, true, 3>::new(rng).unwrap();
            c.with_padding(Padding::Same).unwrap().with_dilation([1, 2]).unwrap()
        },
    );
}

#[test]
fn valid_padding_matches_pytorch() {
    check_case("conv2d_valid", "nn.Conv2d(2, 3, 3, padding=\"valid\")", |rng| {
        Conv2d::<2, 3, 3, 1, 1>::new(rng).unwrap().with_padding(Padding::Valid).unwrap()
    });
}

#[test]
fn reflect_padding_matches_pytorch() {
    check_case(
        "conv1d_reflect",
        "nn.Conv1d(2, 3, 3, padding=2, padding_mode=\"reflect\")",
        |rng| {
            Conv1d::<2, 3, 3, 1, 2>::new(rng)
                .unwrap()
                .with_padding_mode(PaddingMode::Reflect)
                .unwrap()
        },
    );
}

#[test]
fn replicate_padding_matches_pytorch() {
    check_case(
        "conv2d_replicate",
        "nn.Conv2d(2, 4, (3, 2), stride=(2, 1), padding=(2, 1), groups=2, \
         padding_mode=\"replicate\")",
        |rng| {
            let c = Conv2d::<2, 4, 3, 1, 0, 1, 2, true, 2>::new(rng).unwrap();
            let c = c.with_stride([2, 1]).unwrap().with_padding([2, 1]).unwrap();
            c.with_padding_mode("replicate".parse().unwrap()).unwrap()
        },
    );
}

#[test]
fn circular_same_padding_matches_pytorch() {
    check_case(
        "conv2d_circular_same",
        "nn.Conv2d(3, 2, (2, 3), padding=\"same\", padding_mode=\"circular\")",
        |rng| {
            let c = Conv2d::<3, 2, 2, 1, 0, 1, 1, true, 3>::new(rng).unwrap();
            c.with_padding(Padding::Same).unwrap().with_padding_mode(PaddingMode::Circular).unwrap()
        },
    );
}

#[test]
fn conv3d_per_axis_with_reflect_matches_pytorch() {
    check_case(
        "conv3d_per_axis",
        "nn.Conv3d(2, 4, (3, 1, 2), stride=(1, 2, 1), padding=(1, 0, 1), dilation=(2, 1, 1), \
         padding_mode=\"reflect\")",
        |rng| {
            let c = Conv3d::<2, 4, 3, 1, 0, 1, 1, true, 1, 2>::new(rng).unwrap();
            let c = c.with_stride([1, 2, 1]).unwrap().with_padding([1, 0, 1]).unwrap();
            c.with_dilation([2, 1, 1]).unwrap().with_padding_mode(PaddingMode::Reflect).unwrap()
        },
    );
}

#[test]
fn conv_transpose1d_matches_pytorch() {
    check_case(
        "conv_transpose1d",
        "nn.ConvTranspose1d(4, 6, 3, stride=3, padding=1, output_padding=2, groups=2, dilation=2)",
        |rng| ConvTranspose1d::<4, 6, 3, 3, 1, 2, 2, 2>::new(rng).unwrap(),
    );
}

#[test]
fn conv_transpose2d_per_axis_matches_pytorch() {
    check_case(
        "conv_transpose2d_per_axis",
        "nn.ConvTranspose2d(3, 2, (2, 3), stride=(1, 2), padding=(1, 0), output_padding=(0, 1))",
        |rng| {
            let t = ConvTranspose2d::<3, 2, 2, 1, 0, 0, 1, 1, true, 3>::new(rng).unwrap();
            let t = t.with_stride([1, 2]).unwrap().with_padding([1, 0]).unwrap();
            t.with_output_padding([0, 1]).unwrap()
        },
    );
}

#[test]
fn conv_transpose3d_matches_pytorch() {
    check_case(
        "conv_transpose3d",
        "nn.ConvTranspose3d(2, 4, (2, 3, 1), stride=(2, 1, 2), padding=(0, 1, 0), \
         output_padding=(1, 0, 1), groups=2, dilation=(1, 2, 1))",
        |rng| {
            let t = ConvTranspose3d::<2, 4, 2, 1, 0, 0, 1, 2, true, 3, 1>::new(rng).unwrap();
            let t = t.with_stride([2, 1, 2]).unwrap().with_dilation([1, 2, 1]).unwrap();
            t.with_padding([0, 1, 0]).unwrap().with_output_padding([1, 0, 1]).unwrap()
        },
    );
}

#[test]
fn settings_read_back_and_kernels_are_type_level() {
    let c = Conv2d::<768, 192, 1, 1, 0, 1, 1, false, 7>::zeroed();
    assert_eq!(c.kernel_size(), [1, 7]);
    assert_eq!(c.weight().unwrap().shape(), &[192, 768, 1, 7]);
    assert_eq!(
        (c.stride(), c.dilation(), c.padding()),
        ([1, 1], [1, 1], Padding::Explicit([0, 0]))
    );
    let c3 = Conv3d::<2, 4, 3, 2, 1, 1, 1, true, 1>::zeroed();
    assert_eq!(
        (c3.kernel_size(), c3.stride(), c3.padding()),
        ([3, 1, 3], [2; 3], Padding::from(1))
    );
    let t = ConvTranspose3d::<2, 4, 3, 2, 1, 1>::zeroed();
    assert_eq!(
        (t.padding(), t.output_padding(), t.padding_mode()),
        ([1; 3], [1; 3], PaddingMode::Zeros)
    );
    // A failed builder leaves nothing half-set: the layer it consumed is gone, a clone stays.
    let c = Conv1d::<2, 2, 3>::zeroed().with_padding(Padding::Same).unwrap();
    assert!(c.clone().with_stride([2]).is_err());
    assert_eq!((c.stride(), c.padding()), ([1], Padding::Same));
}

#[test]
fn settings_pytorch_refuses_are_errors_with_exact_messages() {
    let msg = |e: init::InitError| e.to_string();
    assert_eq!(
        msg(Conv2d::<2, 2, 3>::zeroed().with_stride([1, 0]).unwrap_err()),
        "Conv2d: stride must be > 0 on every axis, got [1, 0]"
    );
    assert_eq!(
        msg(Conv3d::<2, 2, 3>::zeroed().with_dilation([1, 1, 0]).unwrap_err()),
        "Conv3d: dilation must be > 0 on every axis, got [1, 1, 0]"
    );
    assert_eq!(
        msg(Conv2d::<2, 2, 3, 2>::zeroed().with_padding(Padding::Same).unwrap_err()),
        "Conv2d: padding = \"same\" is not supported for strided convolutions, got stride = [2, 2]"
    );
    let same = Conv1d::<2, 2, 3>::zeroed().with_padding(Padding::Same).unwrap();
    assert_eq!(
        msg(same.with_stride([3]).unwrap_err()),
        "Conv1d: padding = \"same\" is not supported for strided convolutions, got stride = [3]"
    );
    assert_eq!(
        msg(ConvTranspose1d::<2, 2, 3>::zeroed()
            .with_padding_mode(PaddingMode::Reflect)
            .unwrap_err()),
        "ConvTranspose1d: only padding_mode = \"zeros\" is supported, got \"reflect\""
    );
    assert_eq!(
        msg(ConvTranspose2d::<2, 2, 3>::zeroed().with_output_padding([0, 1]).unwrap_err()),
        "ConvTranspose2d: output_padding = [0, 1] must be smaller than either stride = [1, 1] or \
         dilation = [1, 1] on every axis"
    );
    // Lowering the stride under an output padding breaks the rule too.
    let up = ConvTranspose3d::<2, 2, 3, 2, 0, 1>::zeroed();
    assert_eq!(
        msg(up.with_stride([2, 1, 2]).unwrap_err()),
        "ConvTranspose3d: output_padding = [1, 1, 1] must be smaller than either stride = \
         [2, 1, 2] or dilation = [1, 1, 1] on every axis"
    );
    assert_eq!(
        "zero".parse::<PaddingMode>().map(|_| ()).map_err(msg).unwrap_err(),
        "padding_mode: \"zero\" is not one of \"zeros\", \"reflect\", \"replicate\", \"circular\""
    );
}

#[test]
fn hostile_inputs_are_errors_with_exact_messages() {
    let err = |r: init::Result<ArrayD<f32>>| r.unwrap_err().to_string();
    let x = |shape: &[usize]| ArrayD::<f32>::zeros(shape.to_vec());

    // Smaller than a per-axis kernel: the sizes are given axis by axis.
    let c7 = Conv2d::<1, 1, 1, 1, 0, 1, 1, true, 7>::zeroed();
    assert_eq!(
        err(c7.forward(x(&[1, 1, 3, 6]).view())),
        "Conv2d: input of shape [1, 1, 3, 6] is too small: its padded spatial size [3, 6] must be \
         at least the dilated kernel size [1, 7], axis by axis"
    );
    // Reflect padding must be smaller than the input; circular at most the input.
    let reflect =
        Conv1d::<2, 3, 3, 1, 2>::zeroed().with_padding_mode(PaddingMode::Reflect).unwrap();
    assert_eq!(
        err(reflect.forward(x(&[2, 2, 2]).view())),
        "Conv1d: input of shape [2, 2, 2]: padding_mode = \"reflect\" needs a padding smaller \
         than the input on every axis, got padding (2, 2) on spatial axis 0 of size 2"
    );
    assert_eq!(reflect.forward(x(&[2, 2, 3]).view()).unwrap().shape(), &[2, 3, 5]);
    let circular = Conv2d::<1, 1, 2, 1, 3>::zeroed().with_padding_mode(PaddingMode::Circular);
    let circular = circular.unwrap();
    assert_eq!(
        err(circular.forward(x(&[1, 4, 2]).view())),
        "Conv2d: input of shape [1, 4, 2]: padding_mode = \"circular\" needs a padding no larger \
         than the input on every axis, got padding (3, 3) on spatial axis 1 of size 2"
    );
    // Zero-size inputs: an empty batch is fine in every mode; an empty axis is not for
    // replicate, and is too small for a kernel with zeros.
    let replicate = Conv2d::<1, 2, 3, 1, 1>::zeroed().with_padding_mode(PaddingMode::Replicate);
    let replicate = replicate.unwrap();
    assert_eq!(replicate.forward(x(&[0, 1, 4, 4]).view()).unwrap().shape(), &[0, 2, 4, 4]);
    assert_eq!(
        err(replicate.forward(x(&[1, 1, 0, 4]).view())),
        "Conv2d: input of shape [1, 1, 0, 4]: padding_mode = \"replicate\" needs a non-empty \
         input on every axis, got padding (1, 1) on spatial axis 0 of size 0"
    );
    let huge = replicate.clone().with_padding([usize::MAX, 1]).unwrap();
    assert_eq!(
        err(huge.forward(x(&[1, 1, 2, 4]).view())),
        "Conv2d: input of shape [1, 1, 2, 4]: the padded size overflows"
    );
    let huge = replicate.clone().with_padding([1 << 62, 1]).unwrap();
    assert_eq!(
        err(huge.forward(x(&[1, 1, 2, 4]).view())),
        "Conv2d: padded input of shape [1, 1, 9223372036854775810, 6] has more elements than can \
         be addressed"
    );
    // Addressable but more than a 47-bit address space holds (1.7 PB): an error, not an abort.
    let huge = replicate.clone().with_padding([1 << 45, 1]).unwrap();
    let e = err(huge.forward(x(&[1, 1, 2, 4]).view()));
    assert!(e.starts_with("Conv2d: padded input of shape [1, 1, 70368744177666, 6]: "), "{e}");
    let zeros = Conv2d::<1, 1, 1>::zeroed().with_padding([1 << 45, 0]).unwrap();
    let e = err(zeros.forward(x(&[1, 1, 2, 4]).view()));
    assert!(e.starts_with("Conv2d: output of shape [1, 1, 70368744177666, 4]: "), "{e}");
    let up = ConvTranspose1d::<1, 1, 1>::zeroed().with_stride([1 << 50]).unwrap();
    let e = err(up.forward(x(&[1, 1, 3]).view()));
    assert!(e.starts_with("ConvTranspose1d: output of shape [1, 1, 2251799813685249]: "), "{e}");
    let same = Conv1d::<1, 1, 3>::zeroed().with_padding(Padding::Same).unwrap();
    assert_eq!(same.forward(x(&[1, 1, 1]).view()).unwrap().shape(), &[1, 1, 1]);
    assert_eq!(
        err(same.forward(x(&[1, 1, 0]).view())),
        "Conv1d: input of shape [1, 1, 0] is too small: its padded spatial size [2] must be at \
         least the dilated kernel size 3 on every axis"
    );
    let up = ConvTranspose3d::<2, 2, 2>::zeroed();
    assert_eq!(up.forward(x(&[1, 2, 0, 3, 3]).view()).unwrap().shape(), &[1, 2, 1, 4, 4]);
    // Wrong ranks.
    assert_eq!(
        err(ConvTranspose1d::<2, 2, 3>::zeroed().forward(x(&[1, 2, 3, 4]).view())),
        "ConvTranspose1d: input of shape [1, 2, 3, 4] must have 3 dimensions [N, C, L], or 2 \
         [C, L] without a batch axis"
    );
    assert_eq!(
        err(up.forward(x(&[2, 3]).view())),
        "ConvTranspose3d: input of shape [2, 3] must have 5 dimensions [N, C, D, H, W], or 4 \
         [C, D, H, W] without a batch axis"
    );
    assert_eq!(
        err(reflect.forward(x(&[]).view())),
        "Conv1d: input of shape [] must have 3 dimensions [N, C, L], or 2 [C, L] without a batch \
         axis"
    );
}
