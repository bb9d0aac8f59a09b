//! The depth plot (`Comparison::svg`): an SVG document with a title, labelled axes, one line
//! and one legend entry per candidate (with the kinds of its flags), a log y axis where the
//! range needs one and a linear one where it does not.

use init::ndarray::ArrayD;
use init::prelude::*;
use init::{Candidate, Comparison, LOG_SCALE_RATIO, compare, report};

fn input() -> ArrayD<f32> {
    ArrayD::from_shape_fn(vec![128, 64], |i| ((i[0] * 64 + i[1]) as f32 * 0.61).sin() * 1.7)
}

fn mlp() -> Sequential {
    let mut net = Sequential::new();
    for _ in 0..12 {
        net = net.push(Linear::<64, 64>::zeroed()).push(ReLU);
    }
    net
}

fn kaiming() -> Candidate {
    let rules = Rules::new()
        .kind(
            LayerKind::Linear,
            "weight",
            init::kaiming_normal().nonlinearity(Nonlinearity::Relu).into(),
        )
        .glob("*.bias", Init::Zeros);
    Candidate::rules("kaiming", rules)
}

/// The text of every `<text>` element.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| Some(t.split_once('>')?.1.split_once("</text>")?.0.trim().to_string()))
        .collect()
}

#[test]
fn a_wide_range_gets_a_log_axis_labels_and_a_legend() {
    let cmp =
        compare(&mut mlp(), &input(), &Seed::new(0), &[Candidate::pytorch_default(), kaiming()])
            .unwrap();
    // PyTorch's default shrinks the std to its bias floor (0.04), kaiming keeps it near 1.4:
    // a range above LOG_SCALE_RATIO.
    let all: Vec<f64> = cmp.series().iter().flat_map(|s| s.points()).map(|(_, v)| v).collect();
    let (lo, hi) = all.iter().fold((f64::MAX, 0.0f64), |(l, h), &v| (l.min(v), h.max(v)));
    assert!(hi / lo > LOG_SCALE_RATIO, "range {lo}..{hi}");
    let svg = cmp.svg("12-layer ReLU MLP").unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    let t = texts(&svg);
    for want in [
        "12-layer ReLU MLP",
        "depth: n-th layer with a weight, in forward order",
        "std of the layer&apos;s output (log scale)",
        "scheme",
        "kaiming (dead units)",
    ] {
        assert!(t.iter().any(|x| x == want), "no text {want:?} in {t:?}");
    }
    assert!(t.iter().any(|x| x.starts_with("PyTorch default (")), "{t:?}");
    // In order: title, axis descriptions, y ticks, x ticks 1 to 12, the legend (title and
    // two entries). The y ticks are 1 and 3 times powers of ten here (3 decades), rising.
    let (ys, xs) = (&t[3..t.len() - 15], &t[t.len() - 15..t.len() - 3]);
    let want_x: Vec<String> = (1..=12).map(|d| d.to_string()).collect();
    assert_eq!(xs, want_x.as_slice());
    let y: Vec<f64> = ys.iter().map(|v| v.parse().unwrap()).collect();
    assert!(y.len() >= 3 && y.windows(2).all(|w| w[0] < w[1]), "{ys:?}");
    assert!(ys.iter().any(|v| v == "0.1") && ys.iter().any(|v| v == "1"), "{ys:?}");
    // A marker per point of each candidate, and one per legend entry.
    assert_eq!(svg.matches("<circle").count(), 2 * 12 + 2);
}

#[test]
fn a_narrow_range_keeps_a_linear_axis() {
    let cmp = compare(&mut mlp(), &input(), &Seed::new(0), &[kaiming()]).unwrap();
    let svg = cmp.svg("kaiming only").unwrap();
    assert!(texts(&svg).iter().any(|x| x == "std of the layer&apos;s output"), "{svg}");
}

#[test]
fn write_svg_names_the_file_it_cannot_write() {
    let net = Sequential::new().push(Linear::<4, 4>::new(&mut Seed::new(0)).unwrap());
    let x = ArrayD::ones(vec![2, 4]);
    let cmp = Comparison::from_reports(vec![("one".into(), report(&net, &x).unwrap())]);
    let dir = std::env::temp_dir().join(format!("init-plot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("one.svg");
    cmp.write_svg(&path, "one layer").unwrap();
    assert!(std::fs::read_to_string(&path).unwrap().contains("one layer"));
    let bad = dir.join("no/such/dir/one.svg");
    let err = cmp.write_svg(&bad, "one layer").unwrap_err();
    assert!(err.to_string().starts_with(&bad.display().to_string()), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
