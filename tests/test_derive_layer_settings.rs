//! `#[layer(...)]` on the convolutions, pools, activations, `Upsample` and `RMSNorm`: each
//! field built by the derive equals the layer built by its runtime builders with the same
//! settings (so the settings are PyTorch's keywords with the builders' meaning), and the
//! forward shapes are PyTorch's (`scripts/` not needed: the shapes are printed by
//! `nn.Conv2d(2, 4, 4, padding="same")(torch.zeros(1, 2, 5, 7)).shape` and the like, quoted
//! beside each case).

use init::ndarray::ArrayD;
use init::prelude::*;

#[derive(Module)]
struct Convs {
    #[layer(padding = "same")]
    same: Conv2d<2, 4, 4>,
    #[layer(stride = (2, 1), padding = (0, 3), dilation = 2, padding_mode = "reflect")]
    c7: Conv2d<2, 4, 1, 1, 0, 1, 1, true, 7>,
    #[layer(padding = "valid")]
    valid: Conv1d<2, 2, 3, 1, 1>,
    #[layer(padding_mode = "circular", padding = 1)]
    c3: Conv3d<1, 1, 3>,
    #[layer(stride = 2, padding = 1, output_padding = (1, 0))]
    up: ConvTranspose2d<4, 2, 3>,
    #[layer(stride = 3, output_padding = 2, dilation = 1)]
    up1: ConvTranspose1d<2, 2, 3>,
    #[layer(stride = (1, 2, 2), padding = (0, 1, 1), output_padding = (0, 1, 1))]
    up3: ConvTranspose3d<2, 2, 3>,
}

#[test]
fn conv_settings_equal_the_builders() -> Result<(), InitError> {
    let net = <Convs as Zeroed>::zeroed();
    assert_eq!(net.same, Conv2d::<2, 4, 4>::zeroed().with_padding(Padding::Same)?);
    let c7 = Conv2d::<2, 4, 1, 1, 0, 1, 1, true, 7>::zeroed()
        .with_stride([2, 1])?
        .with_padding([0, 3])?
        .with_dilation([2, 2])?
        .with_padding_mode(PaddingMode::Reflect)?;
    assert_eq!(net.c7, c7);
    assert_eq!(net.valid, Conv1d::<2, 2, 3, 1, 1>::zeroed().with_padding(Padding::Valid)?);
    let c3 = Conv3d::<1, 1, 3>::zeroed().with_padding(1)?;
    assert_eq!(net.c3, c3.with_padding_mode(PaddingMode::Circular)?);
    let up = ConvTranspose2d::<4, 2, 3>::zeroed().with_stride([2, 2])?.with_padding([1, 1])?;
    assert_eq!(net.up, up.with_output_padding([1, 0])?);
    let up1 = ConvTranspose1d::<2, 2, 3>::zeroed().with_stride([3])?.with_output_padding([2])?;
    assert_eq!(net.up1, up1);
    let up3 = ConvTranspose3d::<2, 2, 3>::zeroed()
        .with_stride([1, 2, 2])?
        .with_padding([0, 1, 1])?
        .with_output_padding([0, 1, 1])?;
    assert_eq!(net.up3, up3);
    Ok(())
}

#[test]
fn configured_convs_give_pytorch_s_shapes() -> Result<(), InitError> {
    let net = Convs::new(&mut Seed::new(0))?;
    let shape = |y: ArrayD<f32>| y.shape().to_vec();
    // nn.Conv2d(2, 4, 4, padding="same")(torch.zeros(1, 2, 5, 7)).shape
    assert_eq!(shape(net.same.forward(ArrayD::zeros(vec![1, 2, 5, 7]).view())?), [1, 4, 5, 7]);
    // nn.Conv2d(2, 4, (1, 7), stride=(2, 1), padding=(0, 3), dilation=2,
    //           padding_mode="reflect")(torch.zeros(1, 2, 9, 9)).shape
    assert_eq!(shape(net.c7.forward(ArrayD::zeros(vec![1, 2, 9, 9]).view())?), [1, 4, 5, 3]);
    // nn.Conv1d(2, 2, 3, padding="valid")(torch.zeros(1, 2, 6)).shape
    assert_eq!(shape(net.valid.forward(ArrayD::zeros(vec![1, 2, 6]).view())?), [1, 2, 4]);
    // nn.Conv3d(1, 1, 3, padding=1, padding_mode="circular")(torch.zeros(1, 1, 3, 4, 5)).shape
    let y = net.c3.forward(ArrayD::zeros(vec![1, 1, 3, 4, 5]).view())?;
    assert_eq!(shape(y), [1, 1, 3, 4, 5]);
    // nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=(1, 0))
    //   (torch.zeros(1, 4, 5, 5)).shape
    assert_eq!(shape(net.up.forward(ArrayD::zeros(vec![1, 4, 5, 5]).view())?), [1, 2, 10, 9]);
    Ok(())
}

#[derive(Module)]
struct Pools {
    #[layer(ceil_mode = true)]
    max1: MaxPool1d<2>,
    #[layer(ceil_mode = true)]
    max2: MaxPool2d<3, 2>,
    #[layer(ceil_mode = true)]
    max3: MaxPool3d<2>,
    #[layer(ceil_mode = true, count_include_pad = false)]
    avg1: AvgPool1d<3, 2, 1>,
    #[layer(ceil_mode = true, count_include_pad = false, divisor_override = 3)]
    avg2: AvgPool2d<3, 2, 1>,
    #[layer(divisor_override = 5)]
    avg3: AvgPool3d<2>,
}

#[test]
fn pool_settings_equal_the_builders() -> Result<(), InitError> {
    let net = <Pools as Zeroed>::zeroed();
    assert_eq!(net.max1, MaxPool1d::<2>::new().with_ceil_mode(true));
    assert_eq!(net.max2, MaxPool2d::<3, 2>::new().with_ceil_mode(true));
    assert_eq!(net.max3, MaxPool3d::<2>::new().with_ceil_mode(true));
    let avg1 = AvgPool1d::<3, 2, 1>::new().with_ceil_mode(true).with_count_include_pad(false);
    assert_eq!(net.avg1, avg1);
    let avg2 = AvgPool2d::<3, 2, 1>::new().with_ceil_mode(true).with_count_include_pad(false);
    assert_eq!(net.avg2, avg2.with_divisor_override(Some(3))?);
    assert_eq!(net.avg3, AvgPool3d::<2>::new().with_divisor_override(Some(5))?);
    // nn.MaxPool2d(3, 2, ceil_mode=True)(torch.zeros(1, 1, 6, 6)).shape == (1, 1, 3, 3)
    let y = net.max2.forward(ArrayD::zeros(vec![1, 1, 6, 6]).view())?;
    assert_eq!(y.shape(), &[1, 1, 3, 3]);
    Ok(())
}

const N_UP: usize = 2;

#[derive(Module)]
struct Heads {
    #[layer(init = 0.1)]
    prelu: PReLU<4>,
    #[layer(dim = -1)]
    softmax: Softmax,
    #[layer(dim = 1)]
    log_softmax: LogSoftmax,
    #[layer(eps = 1e-6, elementwise_affine = false)]
    rms: RMSNorm<8>,
    #[layer(eps = None)]
    rms_default: RMSNorm<8>,
    #[layer(scale_factor = N_UP as f64, mode = "bilinear", align_corners = false)]
    up: Upsample,
    #[layer(size = (4, 6))]
    up_size: Upsample,
    #[layer(scale_factor = (2.0, 1.5), recompute_scale_factor = true)]
    up_recompute: Upsample,
}

#[test]
fn activation_norm_and_upsample_settings_equal_the_builders() -> Result<(), InitError> {
    let net = Heads::new(&mut Seed::new(0))?;
    assert_eq!(net.prelu, PReLU::<4>::new().with_init(0.1)?);
    assert_eq!(net.softmax, Softmax::new().with_dim(-1));
    assert_eq!(net.log_softmax, LogSoftmax::new().with_dim(1));
    assert_eq!(net.rms, RMSNorm::<8>::new().with_eps(1e-6)?.without_affine());
    assert_eq!(net.rms_default, RMSNorm::<8>::new());
    let up = Upsample::new()
        .with_scale_factor([2.0])?
        .with_mode(init::UpsampleMode::Bilinear)?
        .with_align_corners(false)?;
    assert_eq!(net.up, up);
    assert_eq!(net.up_size, Upsample::new().with_size([4, 6])?);
    let recompute = Upsample::new().with_scale_factor([2.0, 1.5])?;
    assert_eq!(net.up_recompute, recompute.with_recompute_scale_factor(true)?);
    // nn.Upsample(size=(4, 6))(torch.zeros(1, 1, 2, 2)).shape
    let y = net.up_size.forward(ArrayD::zeros(vec![1, 1, 2, 2]).view())?;
    assert_eq!(y.shape(), &[1, 1, 4, 6]);
    // The PReLU of a zeroed struct stays zero until initialized, then takes `init`.
    let zeroed = <Heads as Zeroed>::zeroed();
    assert_eq!(zeroed.prelu.weight().unwrap().as_slice(), &[0.0; 4]);
    assert_eq!(zeroed.prelu.init(), 0.1);
    Ok(())
}
