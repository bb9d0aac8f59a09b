//! The kernels against direct (one output element at a time) convolutions.

use super::*;
use ndarray::Axis;

/// A small deterministic pseudo-random sequence in [-1, 1).
fn values(n: usize, seed: u64) -> Vec<f32> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ((x >> 40) as f32 / (1u64 << 23) as f32) - 1.0
        })
        .collect()
}

fn param(shape: &[usize], seed: u64) -> Param {
    let n = shape.iter().product();
    Param::from_array(ArrayD::from_shape_vec(IxDyn(shape), values(n, seed)).unwrap())
}

/// Row-major multi-indices of `shape`.
fn indices(shape: &[usize]) -> Vec<Vec<usize>> {
    let mut out = vec![vec![]];
    for &n in shape {
        out = out
            .into_iter()
            .flat_map(|p| (0..n).map(move |i| [p.clone(), vec![i]].concat()))
            .collect();
    }
    out
}

/// The input index that position `t` (negative before the input) reads on an axis of `n`.
fn read(mode: PaddingMode, t: isize, n: usize) -> Option<usize> {
    let n = n as isize;
    let i = match mode {
        _ if (0..n).contains(&t) => t,
        PaddingMode::Zeros => return None,
        PaddingMode::Reflect if t < 0 => -t,
        PaddingMode::Reflect => 2 * n - 2 - t,
        PaddingMode::Replicate => t.clamp(0, n - 1),
        PaddingMode::Circular => t.rem_euclid(n),
    };
    Some(i as usize)
}

/// The image position read by column position `o`, kernel offset `k`, if any.
fn source(
    spec: &ConvSpec,
    lo: &[usize],
    img: &[usize],
    o: &[usize],
    k: &[usize],
) -> Option<Vec<usize>> {
    (0..img.len())
        .map(|j| {
            let t = (o[j] * spec.stride[j] + k[j] * spec.dilation[j]) as isize - lo[j] as isize;
            read(spec.mode, t, img[j])
        })
        .collect()
}

fn kernel_shape(spec: &ConvSpec) -> Vec<usize> {
    spec.kernel[..spec.dims].to_vec()
}

/// Direct convolution, one output element at a time.
fn naive_conv(spec: &ConvSpec, x: &ArrayD<f32>, w: &Param, b: Option<&Param>) -> ArrayD<f32> {
    let (n, sp) = (x.shape()[0], &x.shape()[2..]);
    let spans = spec.spans().unwrap();
    let (lo, hi) = spec.pads(&spans);
    let out_sp: Vec<usize> =
        (0..sp.len()).map(|j| (sp[j] + lo[j] + hi[j] - spans[j]) / spec.stride[j] + 1).collect();
    let mut y = ArrayD::zeros(out_shape(Some(n), spec.out_channels, &out_sp));
    let (ig, og) = (spec.in_channels / spec.groups, spec.out_channels / spec.groups);
    let w = w.view();
    for bi in 0..n {
        for oc in 0..spec.out_channels {
            let g = oc / og;
            for o in indices(&out_sp) {
                let mut acc = b.map_or(0.0, |b| b.as_slice()[oc]);
                for ic in 0..ig {
                    for k in indices(&kernel_shape(spec)) {
                        if let Some(i) = source(spec, &lo, sp, &o, &k) {
                            let xi: Vec<usize> = [vec![bi, g * ig + ic], i].concat();
                            let wi: Vec<usize> = [vec![oc, ic], k.clone()].concat();
                            acc += x[IxDyn(&xi)] * w[IxDyn(&wi)];
                        }
                    }
                }
                y[IxDyn(&[vec![bi, oc], o].concat())] = acc;
            }
        }
    }
    y
}

/// Direct transposed convolution: every input element scatters its kernel.
fn naive_transpose(spec: &ConvSpec, x: &ArrayD<f32>, w: &Param, b: Option<&Param>) -> ArrayD<f32> {
    let (n, sp) = (x.shape()[0], &x.shape()[2..]);
    let spans = spec.spans().unwrap();
    let (pad, _) = spec.pads(&spans);
    let out_sp: Vec<usize> = (0..sp.len())
        .map(|j| {
            let o = (sp[j] as isize - 1) * spec.stride[j] as isize
                + (spans[j] + spec.output_padding[j]) as isize
                - 2 * pad[j] as isize;
            o as usize
        })
        .collect();
    let mut y = ArrayD::zeros(out_shape(Some(n), spec.out_channels, &out_sp));
    let (ig, og) = (spec.in_channels / spec.groups, spec.out_channels / spec.groups);
    let w = w.view();
    for bi in 0..n {
        for oc in 0..spec.out_channels {
            let bias = b.map_or(0.0, |b| b.as_slice()[oc]);
            for o in indices(&out_sp) {
                y[IxDyn(&[vec![bi, oc], o].concat())] = bias;
            }
        }
        for ic in 0..spec.in_channels {
            let g = ic / ig;
            for i in indices(sp) {
                for ocg in 0..og {
                    for k in indices(&kernel_shape(spec)) {
                        if let Some(o) = source(spec, &pad, &out_sp, &i, &k) {
                            let wi: Vec<usize> = [vec![ic, ocg], k.clone()].concat();
                            let xi: Vec<usize> = [vec![bi, ic], i.clone()].concat();
                            y[IxDyn(&[vec![bi, g * og + ocg], o].concat())] +=
                                x[IxDyn(&xi)] * w[IxDyn(&wi)];
                        }
                    }
                }
            }
        }
    }
    y
}

fn close(a: &ArrayD<f32>, b: &ArrayD<f32>, what: &str) {
    assert_eq!(a.shape(), b.shape(), "{what}");
    let err = a.iter().zip(b).fold(0f32, |m, (x, y)| m.max((x - y).abs()));
    assert!(err < 1e-4, "{what}: max abs error {err}");
}

/// A square configuration: kernel `k`, stride `s`, padding `p`, dilation `dil` on every axis.
fn spec(
    dims: usize,
    io: (usize, usize),
    k: usize,
    s: usize,
    p: usize,
    dil: usize,
    g: usize,
) -> ConvSpec {
    let kernel = axes(dims, k, 1);
    ConvSpec::new("Conv", dims, false, (io.0, io.1, g), kernel, s, p, dil, 0)
}

/// `base` with per-axis kernel, stride, padding and dilation.
fn per_axis(base: ConvSpec, k: [usize; 3], s: [usize; 3], p: Pad, dil: [usize; 3]) -> ConvSpec {
    ConvSpec { kernel: k, stride: s, padding: p, dilation: dil, ..base }
}

fn with_mode(base: ConvSpec, mode: PaddingMode, padding: Pad) -> ConvSpec {
    ConvSpec { mode, padding, ..base }
}

#[test]
fn conv_matches_direct_convolution() {
    use PaddingMode::*;
    let (e, same) = (Pad::Explicit, Pad::Same);
    let cases = [
        (spec(1, (4, 6), 3, 2, 1, 1, 2), vec![2, 4, 11]),
        (spec(1, (2, 2), 1, 1, 0, 1, 1), vec![1, 2, 5]),
        (spec(1, (3, 3), 2, 3, 4, 2, 3), vec![2, 3, 2]),
        (spec(2, (3, 4), 3, 1, 0, 1, 1), vec![2, 3, 6, 5]),
        (spec(2, (4, 6), 3, 2, 1, 2, 2), vec![2, 4, 9, 10]),
        (spec(2, (2, 4), 2, 3, 3, 1, 2), vec![1, 2, 1, 4]),
        (spec(2, (2, 2), 1, 1, 2, 1, 1), vec![1, 2, 0, 3]),
        (spec(3, (2, 3), 3, 1, 1, 1, 1), vec![2, 2, 4, 5, 3]),
        (spec(3, (2, 2), 2, 2, 0, 2, 2), vec![1, 2, 5, 6, 7]),
        // Per axis: Inception's 1x7 with padding (0, 3), then strides and dilations.
        (
            per_axis(spec(2, (3, 2), 1, 1, 0, 1, 1), [1, 7, 1], [1, 1, 1], e([0, 3, 0]), [1; 3]),
            vec![2, 3, 4, 9],
        ),
        (
            per_axis(spec(2, (4, 4), 1, 1, 0, 1, 2), [3, 2, 1], [2, 1, 1], e([1, 0, 0]), [1, 2, 1]),
            vec![1, 4, 7, 6],
        ),
        (
            per_axis(spec(3, (2, 2), 1, 1, 0, 1, 1), [2, 3, 1], [1, 2, 1], e([1, 0, 2]), [2, 1, 1]),
            vec![1, 2, 4, 6, 3],
        ),
        // "same": odd and even totals (the extra element after), with dilation.
        (
            per_axis(spec(2, (2, 3), 1, 1, 0, 1, 1), [3, 4, 1], [1; 3], same, [1, 1, 1]),
            vec![2, 2, 5, 6],
        ),
        (
            per_axis(spec(1, (2, 2), 1, 1, 0, 1, 1), [4, 1, 1], [1; 3], same, [3, 1, 1]),
            vec![1, 2, 9],
        ),
        // Padding modes, explicit and "same".
        (with_mode(spec(1, (2, 2), 3, 1, 0, 1, 1), Reflect, e([2, 0, 0])), vec![2, 2, 5]),
        (with_mode(spec(2, (2, 4), 3, 2, 0, 1, 2), Reflect, e([2, 1, 0])), vec![1, 2, 4, 3]),
        (with_mode(spec(2, (2, 2), 3, 1, 0, 2, 1), Replicate, e([4, 2, 0])), vec![2, 2, 3, 4]),
        (with_mode(spec(2, (2, 2), 2, 1, 0, 1, 1), Circular, same), vec![1, 2, 3, 5]),
        (with_mode(spec(3, (1, 2), 2, 1, 0, 1, 1), Circular, e([2, 1, 2])), vec![1, 1, 2, 3, 2]),
        (with_mode(spec(1, (1, 1), 4, 1, 0, 1, 1), Replicate, same), vec![2, 1, 1]),
    ];
    for (i, (spec, xs)) in cases.iter().enumerate() {
        let x = param(xs, 10 + i as u64).into_array();
        let mut wshape = vec![spec.out_channels, spec.in_channels / spec.groups];
        wshape.extend(kernel_shape(spec));
        let w = param(&wshape, 20 + i as u64);
        let b = param(&[spec.out_channels], 30 + i as u64);
        let ours = conv(spec, x.view(), &w, Some(&b)).unwrap();
        close(&ours, &naive_conv(spec, &x, &w, Some(&b)), &format!("case {i}"));
        let no_bias = conv(spec, x.view(), &w, None).unwrap();
        close(&no_bias, &naive_conv(spec, &x, &w, None), &format!("case {i}, no bias"));
        if spec.padding == Pad::Same && spec.stride == [1; 3] {
            assert_eq!(ours.shape()[2..], xs[2..], "case {i}: \"same\" keeps the size");
        }
        // Unbatched: the first item alone.
        let y0 = conv(spec, x.index_axis(Axis(0), 0), &w, Some(&b)).unwrap();
        close(&y0, &ours.index_axis(Axis(0), 0).to_owned(), &format!("case {i}, unbatched"));
    }
}

#[test]
fn conv_transpose_matches_direct_scatter() {
    let t = |s: ConvSpec, op: usize| ConvSpec {
        transposed: true,
        output_padding: axes(s.dims, op, 0),
        ..s
    };
    let cases = [
        (t(spec(2, (4, 6), 3, 2, 1, 1, 2), 1), vec![2, 4, 5, 6]),
        (t(spec(2, (3, 2), 3, 1, 0, 2, 1), 0), vec![1, 3, 4, 5]),
        (t(spec(2, (2, 2), 1, 1, 0, 1, 1), 0), vec![2, 2, 3, 3]),
        (t(spec(2, (2, 2), 1, 1, 0, 2, 2), 1), vec![1, 2, 3, 3]),
        (t(spec(1, (2, 4), 4, 3, 2, 1, 2), 2), vec![2, 2, 5]),
        (t(spec(3, (2, 2), 2, 2, 1, 1, 1), 1), vec![1, 2, 3, 2, 4]),
        // An empty input axis: the output is the bias.
        (t(spec(1, (2, 2), 3, 1, 0, 1, 1), 0), vec![2, 2, 0]),
        (t(spec(2, (2, 2), 1, 2, 0, 1, 1), 1), vec![1, 2, 3, 1]),
        // Per axis: kernel, stride, padding, dilation and output padding.
        (
            ConvSpec {
                output_padding: [1, 0, 0],
                ..per_axis(
                    t(spec(2, (2, 4), 1, 1, 0, 1, 2), 0),
                    [2, 3, 1],
                    [2, 1, 1],
                    Pad::Explicit([0, 1, 0]),
                    [1, 2, 1],
                )
            },
            vec![2, 2, 3, 4],
        ),
        (
            ConvSpec {
                output_padding: [0, 1, 2],
                ..per_axis(
                    t(spec(3, (1, 2), 1, 1, 0, 1, 1), 0),
                    [1, 2, 3],
                    [1, 2, 3],
                    Pad::Explicit([0, 1, 1]),
                    [1; 3],
                )
            },
            vec![1, 1, 2, 3, 2],
        ),
    ];
    for (i, (spec, xs)) in cases.iter().enumerate() {
        assert_eq!(spec.check().map_err(|e| e.to_string()), Ok(()), "case {i}");
        let x = param(xs, 40 + i as u64).into_array();
        let mut wshape = vec![spec.in_channels, spec.out_channels / spec.groups];
        wshape.extend(kernel_shape(spec));
        let w = param(&wshape, 50 + i as u64);
        let b = param(&[spec.out_channels], 60 + i as u64);
        let ours = conv_transpose(spec, x.view(), &w, Some(&b)).unwrap();
        close(&ours, &naive_transpose(spec, &x, &w, Some(&b)), &format!("case {i}"));
    }
}
