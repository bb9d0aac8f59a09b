//! The inverse standard normal CDF in `f64`: Wichura's algorithm AS 241 (`PPND16`, Applied
//! Statistics 37(3), 477–484, 1988; relative error about 10⁻¹⁶), extended to the far tail
//! (`ln p < −676`, beyond AS 241's range) by Newton steps on [`log_norm_cdf`].
//!
//! The kernel forms take a lower-tail probability together with its logarithm, so callers can
//! pass probabilities that underflow `f64` (the tail branches only need `ln p`), and come as
//! separate branch-free pieces ([`ppnd_central`], [`ppnd_tail`]) so a sampler can run each
//! over the lanes that need it, vectorized.

#[cfg(test)]
use super::exp_f64;
use super::{ln_f64, log_norm_cdf, mills_ratio};

/// Central region, `|p − ½| ≤ 0.425`: `x = q·A(r)/B(r)`, `r = 0.180625 − q²`.
#[allow(clippy::excessive_precision)] // AS 241's published digits, kept verbatim
const A: [f64; 8] = [
    3.387_132_872_796_366_608,
    1.331_416_678_917_843_774_5e2,
    1.971_590_950_306_551_442_7e3,
    1.373_169_376_550_946_112_5e4,
    4.592_195_393_154_987_145_7e4,
    6.726_577_092_700_870_085_3e4,
    3.343_057_558_358_812_810_5e4,
    2.509_080_928_730_122_672_7e3,
];
#[allow(clippy::excessive_precision)] // AS 241's published digits, kept verbatim
const B: [f64; 8] = [
    1.0,
    4.231_333_070_160_091_125_2e1,
    6.871_870_074_920_579_083e2,
    5.394_196_021_424_751_107_7e3,
    2.121_379_430_158_659_586_7e4,
    3.930_789_580_009_271_061e4,
    2.872_908_573_572_194_267_4e4,
    5.226_495_278_852_854_561e3,
];
/// The central branch's numerator and denominator coefficients, for the vector forms.
pub(crate) const CENTRAL_NUM: [f64; 8] = A;
/// See [`CENTRAL_NUM`].
pub(crate) const CENTRAL_DEN: [f64; 8] = B;
/// Intermediate tail, `r = √(−ln p) ≤ 5`: `x = −C(r − 1.6)/D(r − 1.6)`.
#[allow(clippy::excessive_precision)] // AS 241's published digits, kept verbatim
const C: [f64; 8] = [
    1.423_437_110_749_683_577_34,
    4.630_337_846_156_545_295_9,
    5.769_497_221_460_691_405_5,
    3.647_848_324_763_204_605_04,
    1.270_458_252_452_368_382_58,
    2.417_807_251_774_506_117_7e-1,
    2.272_384_498_926_918_458_33e-2,
    7.745_450_142_783_414_076_4e-4,
];
#[allow(clippy::excessive_precision)] // AS 241's published digits, kept verbatim
const D: [f64; 8] = [
    1.0,
    2.053_191_626_637_758_821_87,
    1.676_384_830_183_803_849_4,
    6.897_673_349_851_000_045_5e-1,
    1.481_039_764_274_800_745_9e-1,
    1.519_866_656_361_645_719_66e-2,
    5.475_938_084_995_344_946e-4,
    1.050_750_071_644_416_843_24e-9,
];
/// Far tail, `r > 5`: `x = −E(r − 5)/F(r − 5)`.
#[allow(clippy::excessive_precision)] // AS 241's published digits, kept verbatim
const E: [f64; 8] = [
    6.657_904_643_501_103_777_2,
    5.463_784_911_164_114_369_9,
    1.784_826_539_917_291_335_8,
    2.965_605_718_285_048_912_3e-1,
    2.653_218_952_657_612_309_3e-2,
    1.242_660_947_388_078_438_6e-3,
    2.711_555_568_743_487_578_15e-5,
    2.010_334_399_292_288_132_65e-7,
];
#[allow(clippy::excessive_precision)] // AS 241's published digits, kept verbatim
const F: [f64; 8] = [
    1.0,
    5.998_322_065_558_879_376_9e-1,
    1.369_298_809_227_358_053_1e-1,
    1.487_536_129_085_061_485_25e-2,
    7.868_691_311_456_132_591e-4,
    1.846_318_317_510_054_681_8e-5,
    1.421_511_758_316_445_888_7e-7,
    2.044_263_103_389_939_785_64e-15,
];

/// Below this `ln p` (`r = √(−ln p) > 26`) AS 241 is past its designed range; Newton takes over.
pub(crate) const DEEP_LN_P: f64 = -676.0;

/// `c[0] + c[1]·t + … + c[7]·t⁷` by Estrin's scheme (depth 3 instead of Horner's 7, so
/// the sampler's long dependency chains shrink; the evaluation order is part of the values).
#[inline(always)]
fn estrin7(c: &[f64; 8], t: f64) -> f64 {
    let t2 = t * t;
    let t4 = t2 * t2;
    let lo = (c[0] + c[1] * t) + t2 * (c[2] + c[3] * t);
    let hi = (c[4] + c[5] * t) + t2 * (c[6] + c[7] * t);
    lo + t4 * hi
}

/// AS 241's central branch, `|q| ≤ 0.425` with `q = p − ½`: `x = q·A(r)/B(r)`,
/// `r = 0.180625 − q²`.
#[inline(always)]
pub(crate) fn ppnd_central(q: f64) -> f64 {
    let t = 0.180_625 - q * q;
    (q * estrin7(&A, t)) / estrin7(&B, t)
}

/// [`estrin7`] on `N` lanes, step by step over the whole array (same operations per lane, so
/// the same bits): each step becomes `N / 8` independent vector instructions in a row, which
/// the CPU overlaps where one long loop body would leave it waiting on each lane's chain.
/// Plain loops, not `array::from_fn`: its closures were not always inlined, and out of line
/// they lose the caller's vector build (the AVX2 fill ran 40 % slower).
#[inline(always)]
fn estrin7_n<const N: usize>(c: &[f64; 8], t: &[f64; N]) -> [f64; N] {
    let (mut t2, mut t4, mut lo, mut hi) = ([0.0; N], [0.0; N], [0.0; N], [0.0; N]);
    for i in 0..N {
        t2[i] = t[i] * t[i];
    }
    for i in 0..N {
        t4[i] = t2[i] * t2[i];
    }
    for i in 0..N {
        lo[i] = (c[0] + c[1] * t[i]) + t2[i] * (c[2] + c[3] * t[i]);
    }
    for i in 0..N {
        hi[i] = (c[4] + c[5] * t[i]) + t2[i] * (c[6] + c[7] * t[i]);
    }
    for i in 0..N {
        lo[i] += t4[i] * hi[i];
    }
    lo
}

/// [`ppnd_central`] of `p - ½` on `N` lanes, step by step as [`estrin7_n`]: the same bits.
#[inline(always)]
pub(crate) fn ppnd_central_n<const N: usize>(p: &[f64; N]) -> [f64; N] {
    let (mut q, mut t) = ([0.0; N], [0.0; N]);
    for i in 0..N {
        q[i] = p[i] - 0.5;
    }
    for i in 0..N {
        t[i] = 0.180_625 - q[i] * q[i];
    }
    let (num, den) = (estrin7_n(&A, &t), estrin7_n(&B, &t));
    for i in 0..N {
        q[i] = (q[i] * num[i]) / den[i];
    }
    q
}

/// AS 241's tail branches for a lower-tail `p < 0.075` given only `ln_p = ln p`:
/// `r = √(−ln p)`, `x = −C(r − 1.6)/D(r − 1.6)` for `r ≤ 5`, else `−E(r − 5)/F(r − 5)`.
/// With `FAR = false` the `r > 5` branch is left out (callers use that when no lane can have
/// `p < e⁻²⁵`). Valid for `ln_p >= DEEP_LN_P`. Branch free.
#[inline(always)]
pub(crate) fn ppnd_tail<const FAR: bool>(ln_p: f64) -> f64 {
    let r = (-ln_p).sqrt();
    if !FAR {
        let t = r - 1.6;
        return -estrin7(&C, t) / estrin7(&D, t);
    }
    let far = r > 5.0;
    let t = if far { r - 5.0 } else { r - 1.6 };
    let num: [f64; 8] = core::array::from_fn(|k| if far { E[k] } else { C[k] });
    let den: [f64; 8] = core::array::from_fn(|k| if far { F[k] } else { D[k] });
    -estrin7(&num, t) / estrin7(&den, t)
}

/// Whether AS 241 takes its central branch for a lower-tail `p` (`q = p − ½ ≥ −0.425`).
#[inline(always)]
pub(crate) fn ppnd_is_central(p: f64) -> bool {
    p - 0.5 >= -0.425
}

/// `Φ⁻¹(p)` for a lower-tail `p ∈ [0, ½]` given `ln_p = ln p` (which stays finite when `p`
/// underflows; the tail branch uses only `ln_p`, the central one only `p`): AS 241.
/// Valid for `ln_p >= DEEP_LN_P`.
#[inline(always)]
pub(crate) fn ppnd_lower<const FAR: bool>(p: f64, ln_p: f64) -> f64 {
    if ppnd_is_central(p) { ppnd_central(p - 0.5) } else { ppnd_tail::<FAR>(ln_p) }
}

#[cfg(test)] // the scalar reference form: the library uses the kernel forms
/// The standard normal quantile `Φ⁻¹(p)`, relative error about 10⁻¹⁶ (AS 241).
/// `p = 0` gives `−∞`, `p = 1` gives `∞`, `p` outside `[0, 1]` or NaN gives NaN.
pub(crate) fn inv_norm_cdf(p: f64) -> f64 {
    if p.is_nan() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    if p <= 0.5 {
        lower(p, ln_f64(p))
    } else {
        let c = 1.0 - p; // exact for p >= 1/2
        -lower(c, ln_f64(c))
    }
}

#[cfg(test)] // the scalar reference form: the library uses the kernel forms
/// The standard normal quantile from a log-probability: the `x` with `ln Φ(x) = ln_p`,
/// for any `ln_p ≤ 0`, so lower-tail probabilities far below `f64`'s range work
/// (`ln_p = −10⁶` gives `x ≈ −1414.2`). For `ln_p > −ln 2` it is [`inv_norm_cdf`]`(exp ln_p)`.
/// NaN for `ln_p > 0` or NaN.
pub(crate) fn inv_norm_cdf_ln(ln_p: f64) -> f64 {
    if ln_p.is_nan() || ln_p > 0.0 {
        return f64::NAN;
    }
    if ln_p > -std::f64::consts::LN_2 {
        return inv_norm_cdf(exp_f64(ln_p));
    }
    lower(exp_f64(ln_p), ln_p)
}

/// `Φ⁻¹(p)` for `p ≤ ½` from `p` and `ln p`, deep tail included.
pub(crate) fn lower(p: f64, ln_p: f64) -> f64 {
    if ln_p >= DEEP_LN_P {
        return ppnd_lower::<true>(p, ln_p);
    }
    if ln_p == f64::NEG_INFINITY {
        return f64::NEG_INFINITY;
    }
    // ln Φ(x) = -x²/2 - ln(-x) - ln√(2π) + O(1/x²): start from its leading-order inverse,
    // then Newton on ln Φ(x) = ln_p, whose slope is φ(x)/Φ(x) = 1/R(-x). From a relative
    // error of ~1e-3 three steps reach full precision.
    let t2 = -2.0 * ln_p;
    let mut x = -(t2 - ln_f64(t2) - 1.837_877_066_409_345_5).sqrt(); // ln(2π)
    for _ in 0..3 {
        x += (ln_p - log_norm_cdf(x)) * mills_ratio(-x);
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::norm_cdf;

    #[test]
    fn inv_norm_cdf_known_values() {
        use crate::math::{inv_norm_cdf, norm_cdf};
        assert!((inv_norm_cdf(0.975) - 1.959963984540054).abs() < 1e-15);
        let x = inv_norm_cdf(1e-20);
        assert!((norm_cdf(x) / 1e-20 - 1.0).abs() < 1e-13);
    }

    #[test]
    fn inv_norm_cdf_ln_known_values() {
        use crate::math::{inv_norm_cdf_ln, log_norm_cdf};
        let x = inv_norm_cdf_ln(-1e4);
        assert!((x + 141.37983987312717).abs() < 1e-12);
        assert!((log_norm_cdf(x) + 1e4).abs() < 1e-11);
    }

    // (p, Φ⁻¹(p)) from mpmath (60 digits).
    const REF: [(f64, f64); 14] = [
        (1e-300, -37.047_096_299_361_2),
        (1e-100, -21.273_453_560_965_326),
        (1e-20, -9.262_340_089_798_407),
        (1e-10, -6.361_340_902_404_057),
        (1e-5, -4.264_890_793_922_825),
        (0.01, -2.326_347_874_040_841),
        (0.05, -1.644_853_626_951_472_6),
        (0.075, -1.439_531_470_938_456),
        (0.1, -1.281_551_565_544_600_4),
        (0.3, -0.524_400_512_708_040_8),
        (0.5, 0.0),
        (0.7, 0.524_400_512_708_040_8),
        (0.975, 1.959_963_984_540_054_3),
        (1.0 - 1e-10, 6.361_340_889_697_422), // for the f64 value of 1 - 1e-10
    ];

    #[test]
    fn matches_references() {
        for (p, x) in REF {
            let got = inv_norm_cdf(p);
            // measured max: 5.2e-16 relative (the f64 inputs differ from the decimal ones)
            assert!((got - x).abs() <= 6e-16 * x.abs(), "p={p}: {got} vs {x}");
        }
    }

    #[test]
    fn round_trips_through_the_cdf() {
        let mut worst: f64 = 0.0;
        let mut p = 1e-300f64;
        while p < 0.5 {
            let x = inv_norm_cdf(p);
            worst = worst.max((norm_cdf(x) / p - 1.0).abs() / (1.0 + x * x));
            p *= 1.01;
        }
        // relative error in p over 1 + x² (the condition number of Φ at x is ~x²):
        // measured max 7.8e-16
        assert!(worst < 2e-15, "worst {worst}");
    }

    #[test]
    fn log_probability_form_reaches_the_deep_tail() {
        // (ln p, x) from mpmath findroot on ln Φ(x) = ln p
        for (lp, x) in [
            (-700.0, -37.295_079_632_647_415),
            (-1000.0, -44.615_747_731_969_4),
            (-1e4, -141.379_839_873_127_17),
            (-1e6, -1_414.207_782_991_017_4),
            (-1e12, -1_414_213.562_362_431),
        ] {
            let got = inv_norm_cdf_ln(lp);
            assert!(((got - x) / x).abs() < 1e-15, "{lp}: {got} vs {x}");
        }
        assert_eq!(inv_norm_cdf_ln(f64::NEG_INFINITY), f64::NEG_INFINITY);
        assert!(inv_norm_cdf_ln(0.1).is_nan());
        assert!((inv_norm_cdf_ln(0.7f64.ln()) - 0.524_400_512_708_040_8).abs() < 1e-14);
    }
}
