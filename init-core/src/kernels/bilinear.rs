//! Bilinear form: `y[.., o] = Σᵢⱼ x1[.., i] · A[o, i, j] · x2[.., j] + b[o]`.

use ndarray::linalg::general_mat_vec_mul;
use ndarray::{Array2, ArrayD, ArrayViewD, Axis, Ix1, Ix3, IxDyn};

use crate::error::{InitError, Result};
use crate::param::Param;

/// PyTorch's `F.bilinear(x1, x2, weight, bias)` for inputs `[..., in1]` and `[..., in2]` with
/// the same leading axes, `weight [out, in1, in2]`, `bias [out]`; returns `[..., out]`.
///
/// Two products: `u = x2 · A'ᵀ` with `A'` the weight seen as `[out·in1, in2]` (one GEMM),
/// then for each row `y = u[out, in1] · x1`. The shapes are checked here.
pub(crate) fn bilinear(
    layer: &'static str,
    x1: ArrayViewD<'_, f32>,
    x2: ArrayViewD<'_, f32>,
    weight: &Param,
    bias: Option<&Param>,
) -> Result<ArrayD<f32>> {
    let shape_err = |e: ndarray::ShapeError| InitError::input(layer, e.to_string());
    let w = weight.view().into_dimensionality::<Ix3>().map_err(shape_err)?;
    let (out_f, in1, in2) = w.dim();
    let (s1, s2) = (x1.shape(), x2.shape());
    if s1.last() != Some(&in1) {
        return Err(InitError::input(
            layer,
            format!("input1 of shape {s1:?} must have last dimension {in1} (in1_features)"),
        ));
    }
    if s2.last() != Some(&in2) {
        return Err(InitError::input(
            layer,
            format!("input2 of shape {s2:?} must have last dimension {in2} (in2_features)"),
        ));
    }
    let lead = &s1[..s1.len() - 1];
    if lead != &s2[..s2.len() - 1] {
        return Err(InitError::input(
            layer,
            format!(
                "input1 of shape {s1:?} and input2 of shape {s2:?} must have the same leading dimensions"
            ),
        ));
    }
    let rows: usize = lead.iter().product();
    let x1 = x1.as_standard_layout();
    let x2 = x2.as_standard_layout();
    let x1 = x1.view().into_shape_with_order((rows, in1)).map_err(shape_err)?;
    let x2 = x2.view().into_shape_with_order((rows, in2)).map_err(shape_err)?;
    let w2 = w.into_shape_with_order((out_f * in1, in2)).map_err(shape_err)?;

    // u[r, o·in1 + i] = Σⱼ A[o, i, j] x2[r, j]
    let u: Array2<f32> = x2.dot(&w2.t());
    let u = u.into_shape_with_order((rows, out_f, in1)).map_err(shape_err)?;
    let mut y = Array2::<f32>::zeros((rows, out_f));
    for ((u_r, x1_r), mut y_r) in u.outer_iter().zip(x1.outer_iter()).zip(y.outer_iter_mut()) {
        general_mat_vec_mul(1.0, &u_r, &x1_r, 0.0, &mut y_r);
    }
    if let Some(b) = bias {
        let b = b.view().into_dimensionality::<Ix1>().map_err(shape_err)?;
        y += &b.insert_axis(Axis(0));
    }
    let mut out_shape = lead.to_vec();
    out_shape.push(out_f);
    y.into_shape_with_order(IxDyn(&out_shape)).map_err(shape_err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;

    /// The kernel against the definition, summed naively in f64.
    #[test]
    fn bilinear_matches_the_definition() {
        let (out_f, in1, in2, rows) = (3, 4, 5, 6);
        let w = Array3::from_shape_fn((out_f, in1, in2), |(o, i, j)| {
            ((o * 31 + i * 7 + j * 3) % 11) as f32 / 11.0 - 0.5
        });
        let b = ndarray::Array1::from_shape_fn(out_f, |o| o as f32 * 0.25 - 0.3);
        let x1 = Array2::from_shape_fn((rows, in1), |(r, i)| ((r * 5 + i) % 7) as f32 - 3.0);
        let x2 = Array2::from_shape_fn((rows, in2), |(r, j)| ((r * 3 + j * 2) % 5) as f32 * 0.5);
        let wp = Param::from_array(w.clone().into_dyn());
        let bp = Param::from_array(b.clone().into_dyn());
        let y = bilinear("Bilinear", x1.view().into_dyn(), x2.view().into_dyn(), &wp, Some(&bp))
            .unwrap();
        assert_eq!(y.shape(), &[rows, out_f]);
        for r in 0..rows {
            for o in 0..out_f {
                let mut s = f64::from(b[o]);
                for i in 0..in1 {
                    for j in 0..in2 {
                        s +=
                            f64::from(x1[[r, i]]) * f64::from(w[[o, i, j]]) * f64::from(x2[[r, j]]);
                    }
                }
                assert!((f64::from(y[[r, o]]) - s).abs() < 1e-4, "{r} {o}: {} vs {s}", y[[r, o]]);
            }
        }
    }

    #[test]
    fn empty_batches_and_features() {
        let wp = Param::zeros(&[2, 3, 0]);
        let bp = Param::from_array(ndarray::arr1(&[1.0f32, 2.0]).into_dyn());
        let x1 = ArrayD::<f32>::ones(vec![4, 3]);
        let x2 = ArrayD::<f32>::ones(vec![4, 0]);
        let y = bilinear("Bilinear", x1.view(), x2.view(), &wp, Some(&bp)).unwrap();
        assert_eq!(y.shape(), &[4, 2]);
        assert!(y.outer_iter().all(|r| r.as_slice() == Some(&[1.0, 2.0][..])));
        let x1 = ArrayD::<f32>::ones(vec![0, 5, 3]);
        let x2 = ArrayD::<f32>::ones(vec![0, 5, 0]);
        let y = bilinear("Bilinear", x1.view(), x2.view(), &wp, None).unwrap();
        assert_eq!(y.shape(), &[0, 5, 2]);
    }
}
