//! The pooling kernels against naive loops, and their edge cases.

use ndarray::{ArrayD, IxDyn};

use super::*;

fn ramp(shape: &[usize]) -> ArrayD<f32> {
    let n = shape.iter().product::<usize>();
    ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(|i| i as f32).collect()).unwrap()
}

fn square(kernel: usize, stride: usize, pad: usize, dilation: usize) -> [Window; 2] {
    [Window { kernel, stride, pad, dilation }; 2]
}

/// The naive definition: every tap tested against the input bounds (ceil_mode off).
fn naive_max(x: &ArrayD<f32>, win: Window) -> Vec<f32> {
    let (h, w) = (x.shape()[2], x.shape()[3]);
    let pad = win.pad as isize;
    let oh = (h + 2 * win.pad - win.extent()) / win.stride + 1;
    let ow = (w + 2 * win.pad - win.extent()) / win.stride + 1;
    let mut out = Vec::new();
    for plane in x.view().into_shape_with_order((x.len() / (h * w), h, w)).unwrap().outer_iter() {
        for oy in 0..oh {
            for ox in 0..ow {
                let mut m = f32::NEG_INFINITY;
                for ky in 0..win.kernel {
                    for kx in 0..win.kernel {
                        let iy = (oy * win.stride + ky * win.dilation) as isize - pad;
                        let ix = (ox * win.stride + kx * win.dilation) as isize - pad;
                        if (0..h as isize).contains(&iy) && (0..w as isize).contains(&ix) {
                            m = m.max(plane[[iy as usize, ix as usize]]);
                        }
                    }
                }
                out.push(m);
            }
        }
    }
    out
}

#[test]
fn max_pool_matches_the_naive_loop_over_many_windows() {
    let x = ramp(&[2, 3, 9, 11]).mapv(|v| (v * 0.37).sin());
    for kernel in 1..=4 {
        for stride in 1..=3 {
            for pad in 0..=kernel / 2 {
                for dilation in 1..=3 {
                    let win = Window { kernel, stride, pad, dilation };
                    let wins = square(kernel, stride, pad, dilation);
                    if win.extent() > 9 + 2 * pad {
                        assert!(max_pool("MaxPool2d", x.view(), &wins, false).is_err());
                        continue;
                    }
                    let y = max_pool("MaxPool2d", x.view(), &wins, false).unwrap();
                    assert_eq!(y.as_slice().unwrap(), &naive_max(&x, win)[..], "{win:?}");
                }
            }
        }
    }
}

#[test]
fn one_and_three_axes_agree_with_two() {
    // A 1-d pool is a 2-d pool with a unit window over a height of 1; a 3-d pool over a
    // depth of 1 with a unit depth window is the 2-d pool.
    let x = ramp(&[2, 3, 1, 10]).mapv(|v| (v * 0.61).cos());
    let win = Window { kernel: 3, stride: 2, pad: 1, dilation: 2 };
    let two = max_pool("P", x.view(), &[Window::UNIT, win], true).unwrap();
    let one = max_pool("P", x.to_shape(vec![2, 3, 10]).unwrap().view(), &[win], true).unwrap();
    assert_eq!(one.as_slice(), two.as_slice());
    let x3 = x.to_shape(vec![2, 3, 1, 1, 10]).unwrap().to_owned();
    let three = max_pool("P", x3.view(), &[Window::UNIT, Window::UNIT, win], true).unwrap();
    assert_eq!(three.as_slice(), two.as_slice());
    assert_eq!(three.shape(), &[2, 3, 1, 1, 5]);
}

#[test]
fn max_pool_propagates_nan_and_all_padding_windows_are_neg_infinity() {
    let mut x = ramp(&[1, 1, 2, 2]);
    x[[0, 0, 0, 0]] = f32::NAN;
    let y = max_pool("MaxPool2d", x.view(), &square(2, 1, 0, 1), false).unwrap();
    assert!(y[[0, 0, 0, 0]].is_nan());
    // H = W = 1, kernel 2, padding 1, dilation 2: taps at -1 and 1, both padding.
    let y = max_pool("MaxPool2d", ramp(&[1, 1, 1]).view(), &square(2, 1, 1, 2), false).unwrap();
    assert_eq!(y.shape(), &[1, 1, 1]);
    assert_eq!(y[[0, 0, 0]], f32::NEG_INFINITY);
}

#[test]
fn ceil_mode_adds_a_last_window_only_if_it_starts_before_the_right_padding() {
    let x = ramp(&[1, 1, 5]);
    let win = |kernel, stride, pad| [Window { kernel, stride, pad, dilation: 1 }];
    // L = 5, kernel 2, stride 2: floor gives 2 windows, ceil a third one over [4].
    let y = max_pool("P", x.view(), &win(2, 2, 0), true).unwrap();
    assert_eq!(y.as_slice().unwrap(), &[1.0, 3.0, 4.0]);
    // Padding 1, kernel 2, stride 3: padded length 7, ceil(5 / 3) + 1 = 3 windows, but the
    // third would start at 6 - 1 = 5 >= L: in the right padding, so dropped.
    let y = max_pool("P", x.view(), &win(2, 3, 1), true).unwrap();
    assert_eq!(y.as_slice().unwrap(), &[0.0, 3.0]);
    // Average: the partial window counts only the taps inside the padded input.
    let mode = PoolMode { ceil_mode: true, count_include_pad: true, divisor_override: None };
    let y = avg_pool("P", x.view(), &win(2, 2, 0), mode).unwrap();
    assert_eq!(y.as_slice().unwrap(), &[0.5, 2.5, 4.0]);
    let y = avg_pool("P", x.view(), &win(3, 2, 1), mode).unwrap();
    // Windows [-1, 2), [1, 4), [3, 6): divisors 3, 3 and 3 (the last ends at L + pad = 6).
    assert_eq!(y.as_slice().unwrap(), &[1.0 / 3.0, 2.0, 7.0 / 3.0]);
}

#[test]
fn avg_pool_counts_padding_or_not_or_overrides_the_divisor() {
    let x = ramp(&[1, 3, 3]);
    let wins = square(3, 2, 1, 1);
    let mut mode = PoolMode { ceil_mode: false, count_include_pad: true, divisor_override: None };
    let with = avg_pool("AvgPool2d", x.view(), &wins, mode).unwrap();
    mode.count_include_pad = false;
    let without = avg_pool("AvgPool2d", x.view(), &wins, mode).unwrap();
    mode.divisor_override = Some(2);
    let fixed = avg_pool("AvgPool2d", x.view(), &wins, mode).unwrap();
    // Top-left window covers 0, 1, 3, 4 of the input.
    assert_eq!(with[[0, 0, 0]], 8.0 / 9.0);
    assert_eq!(without[[0, 0, 0]], 2.0);
    assert_eq!(fixed[[0, 0, 0]], 4.0);
    assert_eq!(with.shape(), &[1, 2, 2]);
}

#[test]
fn adaptive_bins_overlap_as_pytorch() {
    assert_eq!(bins(7, 3), [(0, 3), (2, 5), (4, 7)]);
    assert_eq!(bins(5, 2), [(0, 3), (2, 5)]);
    assert_eq!(bins(4, 4), [(0, 1), (1, 2), (2, 3), (3, 4)]);
    let y = adaptive_avg_pool("AdaptiveAvgPool2d", ramp(&[1, 1, 2, 4]).view(), &[1, 2]).unwrap();
    assert_eq!(
        y.as_slice().unwrap(),
        &[(0.0 + 1.0 + 4.0 + 5.0) / 4.0, (2.0 + 3.0 + 6.0 + 7.0) / 4.0]
    );
    let y = adaptive_avg_pool("AdaptiveAvgPool1d", ramp(&[2, 5]).view(), &[2]).unwrap();
    assert_eq!(y.as_slice().unwrap(), &[1.0, 3.0, 6.0, 8.0]);
}

#[test]
fn empty_batch_non_contiguous_inputs_and_shape_errors() {
    let wins = square(2, 2, 0, 1);
    let y = max_pool("MaxPool2d", ArrayD::<f32>::zeros(IxDyn(&[0, 3, 4, 4])).view(), &wins, false)
        .unwrap();
    assert_eq!(y.shape(), &[0, 3, 2, 2]);
    let x = ramp(&[1, 2, 4, 4]);
    let t = x.view().permuted_axes(IxDyn(&[0, 1, 3, 2]));
    let y = max_pool("MaxPool2d", t.view(), &wins, false).unwrap();
    let want = max_pool("MaxPool2d", t.as_standard_layout().view(), &wins, false).unwrap();
    assert_eq!(y, want);
    assert_eq!(y[[0, 0, 0, 1]], 13.0);
    let err = |shape: &[usize], wins: &[Window]| {
        let x = ArrayD::<f32>::zeros(IxDyn(shape));
        max_pool("P", x.view(), wins, false).unwrap_err().to_string()
    };
    let one = [Window::UNIT];
    assert_eq!(
        err(&[4], &one),
        "P: input of shape [4] must have 2 or 3 dimensions ([C, L] or [N, C, L])"
    );
    assert_eq!(
        err(&[2, 0], &one),
        "P: input of shape [2, 0] must have non-zero channel and length sizes"
    );
    assert_eq!(
        err(&[1, 2, 3, 0, 1], &[Window::UNIT; 3]),
        "P: input of shape [1, 2, 3, 0, 1] must have non-zero channel, depth, height and width sizes"
    );
}
