//! `TorchGenerator` against the golden vectors of torch 2.15 (reference §6, AVX2 kernels).

use init::{Dist, Generator, TorchGenerator};

const STD_NORMAL: Dist = Dist::STANDARD_NORMAL;

/// Parse a whitespace-separated list of float32 bit patterns.
fn hex(s: &str) -> Vec<u32> {
    s.split_whitespace().map(|w| u32::from_str_radix(w, 16).unwrap()).collect()
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn draw(g: &mut TorchGenerator, dist: Dist, n: usize) -> Vec<u32> {
    let mut v = vec![0.0f32; n];
    g.fill("p", dist, &mut v);
    bits(&v)
}

fn uniform(bound: f64) -> Dist {
    Dist::uniform(-bound, bound).unwrap()
}

/// `kaiming_uniform_(w, a=√5)` bound, computed in f64 as `torch.nn.init` does.
fn kaiming_bound(fan_in: f64) -> f64 {
    let a = 5.0f64.sqrt();
    let gain = (2.0 / (1.0 + a * a)).sqrt();
    3.0f64.sqrt() * (gain / fan_in.sqrt())
}

/// The `k`-th (0-based) raw output after `torch.manual_seed(seed)`.
fn word(seed: u64, k: usize) -> u32 {
    let mut g = TorchGenerator::new(seed);
    (0..k).for_each(|_| {
        g.random();
    });
    g.random()
}

struct Golden {
    seed: u64,
    uniform8: &'static str,
    normal8: &'static str,
    normal40: &'static str,
    kaiming27: &'static str,
    linear_w12: &'static str,
    linear_b3: &'static str,
    trunc8: &'static str,
}

const GOLDEN: [Golden; 2] = [
    Golden {
        seed: 0,
        uniform8: "3efe1558 3f44aa2f 3db533a8 3e073300 3e9d6686 3f2252fb 3efaed86 3f657d67",
        normal8: "3fc53f5c be963c50 c00b7149 3f1184b6 bf8ad1a1 bfb3052d 3ece837a 3f5688e5",
        normal40: "bf901b85 bf93808a be804bd6 bede255d 3f594515 3f312783 bea1cc6d c0075fc1 \
                   3ea50138 bfa1b4f4 3eb330ff 3e9dc3bb 3df56f77 3f9e6b93 3f8ef28e be7d367c \
                   bfad23c2 bfd91446 3f111004 3f4b235d 3f194d8b bfc70d5b beaec6ca 3fed2f4e \
                   be5d0b42 bf3e17a3 3f100e82 3e84ede2 be3222d5 bf2dc250 3f7031db 3efa4d25 \
                   3f9a033c 3dad2087 bf999e2b bb9cd1ae bf04a08d be9d0855 bfca5e02 3fda734a",
        kaiming27: "bb238d56 3e371b28 be8c7764 be7b3356 be03774e 3db70fe6 bbd869ab 3e8751df \
                    bcf25496 3db4a466 bdce4f90 bd86304b bea30bd0 be620f18 be0cb49b 3c4a4eab \
                    3e06f0eb 3e4ccecb be676766 be14a353 3df7f4cb 3e8db834 bd8c7e30 3e7f6c7b \
                    bd5c11ab 3d1078b6 3e9a88dc",
        linear_w12: "bb755400 3e89545e bed2b316 bebc6680 be4532f4 3e094bec bc224f40 3ecaface \
                     bd35bf70 3e077b4c be1abbac bdc94870",
        linear_b3: "bef491b8 bea98b52 be530ee8",
        trunc8: "3fc53f5c be963c50 bf18bd18 3f1184b6 bf8ad1a1 bfb3052d 3ece837a 3f5688e5",
    },
    Golden {
        seed: 42,
        uniform8: "3f61dc66 3f6a3db3 3ec406b8 3f75950e 3ec7e8d4 3f19d447 3e835d78 3f4b2c14",
        normal8: "3eac62ae 3e03e69d 3e7016e7 3e6bdc6c bf8fb9c2 be3eccd8 400d532c bf2353c6",
        normal40: "3ff6a529 3fbe5f53 3f669567 c006c0db 3f2dacd5 bf9e0591 bd306786 bfcd65ba \
                   bf408bf0 3fd3095b bec8f2f6 bfb3a966 bf3a566e bf0f36d1 bf44d2a0 3f432f9f \
                   3fd23771 be236d85 befeaae4 3ee111d8 bf4214e2 3f8a0650 3f4d0144 3fd71e93 \
                   3d0f003f 3ea4679d 3fc96bbb bf58708e 3fa7f9b2 3f2fe9b1 bf8b6a19 beb5e821 \
                   bfb582fd 3f6571d7 3d4c6997 401111e8 3f96e7dd bede70cf bfb1746d bfa4a2b6",
        kaiming27: "3e827b33 3e8da79a bd9fee16 3e9cc6be bd959320 3d89c17b be262e0b 3e48758b \
                    3e967333 be7a6968 3e9457c3 3d7f88eb 3e7c2e1b 3d38e86b 3e24963e bd40c5d6 \
                    3e839084 3d49cef6 be1f5918 3dae02b6 be1d43c8 bd201dd6 be0aa2a8 3e626e3e \
                    be86b81c be1d5bb3 bdc0c490",
        linear_w12: "3ec3b8cc 3ed47b66 bdefe520 3eeb2a1c bde05cb0 3dcea238 be794510 3e965828 \
                     3ee1accc bebbcf0e 3ede83a4 3dbfa6b0",
        linear_b3: "3ebd2294 3d8aae50 3e76e15c",
        trunc8: "3eac62ae 3e03e69d 3e7016e7 3e6bdc6c bf8fb9c2 be3eccd8 bf7d2c7a bf2353c6",
    },
];

#[test]
fn uniform_8() {
    for g in &GOLDEN {
        let got = draw(&mut TorchGenerator::new(g.seed), Dist::uniform(0.0, 1.0).unwrap(), 8);
        assert_eq!(got, hex(g.uniform8), "seed {}", g.seed);
    }
}

#[test]
fn normal_8_small_path() {
    for g in &GOLDEN {
        assert_eq!(
            draw(&mut TorchGenerator::new(g.seed), STD_NORMAL, 8),
            hex(g.normal8),
            "seed {}",
            g.seed
        );
    }
}

#[test]
fn normal_40_fast_path() {
    for g in &GOLDEN {
        assert_eq!(
            draw(&mut TorchGenerator::new(g.seed), STD_NORMAL, 40),
            hex(g.normal40),
            "seed {}",
            g.seed
        );
    }
}

#[test]
fn normal_37_tail() {
    let got = draw(&mut TorchGenerator::new(0), STD_NORMAL, 37);
    assert_eq!(got[32..], hex("3f9a033c 3dad2087 bf999e2b bb9cd1ae bf04a08d")[..]);
    // Blocks 0 and 16 are shared with normal(40); the tail window 21..37 is redrawn.
    assert_eq!(got[..21], hex(GOLDEN[0].normal40)[..21]);
}

#[test]
fn kaiming_uniform_conv2d_1_3_3() {
    let bound = kaiming_bound(9.0);
    assert!((bound - 0.333_333_333_333_333_26).abs() < 1e-16);
    for g in &GOLDEN {
        let got = draw(&mut TorchGenerator::new(g.seed), uniform(bound), 27);
        assert_eq!(got, hex(g.kaiming27), "seed {}", g.seed);
    }
}

#[test]
fn linear_4_3_weight_then_bias() {
    for g in &GOLDEN {
        let mut rng = TorchGenerator::new(g.seed);
        assert_eq!(
            draw(&mut rng, uniform(kaiming_bound(4.0)), 12),
            hex(g.linear_w12),
            "seed {}",
            g.seed
        );
        assert_eq!(
            draw(&mut rng, uniform(1.0 / 4.0f64.sqrt()), 3),
            hex(g.linear_b3),
            "seed {}",
            g.seed
        );
        // 15 words consumed: the next one is output #15 (0-based).
        assert_eq!(rng.random(), word(g.seed, 15));
    }
}

#[test]
fn trunc_normal_8() {
    let dist = Dist::trunc_normal(0.0, 1.0, -2.0, 2.0).unwrap();
    for g in &GOLDEN {
        assert_eq!(
            draw(&mut TorchGenerator::new(g.seed), dist, 8),
            hex(g.trunc8),
            "seed {}",
            g.seed
        );
    }
}

#[test]
fn normal_cache_persists_across_calls_and_is_cleared_by_seeding() {
    for g in &GOLDEN {
        let mut a = TorchGenerator::new(g.seed);
        let mut first = draw(&mut a, STD_NORMAL, 3);
        first.extend(draw(&mut a, STD_NORMAL, 3));
        assert_eq!(first, draw(&mut TorchGenerator::new(g.seed), STD_NORMAL, 6));
        assert_eq!(first, hex(g.normal8)[..6]);

        // A Path F call in between neither reads nor clears the cache.
        let mut b = TorchGenerator::new(g.seed);
        let one = draw(&mut b, STD_NORMAL, 1);
        draw(&mut b, STD_NORMAL, 16);
        assert_eq!(draw(&mut b, STD_NORMAL, 1), hex(g.normal8)[1..2]);
        assert_eq!(one, hex(g.normal8)[..1]);

        // manual_seed drops the cached value.
        b.manual_seed(g.seed);
        assert_eq!(draw(&mut b, STD_NORMAL, 8), hex(g.normal8));
    }
}

#[test]
fn draw_counts() {
    for seed in [0, 42] {
        let next_after = |fills: &[(Dist, usize)]| {
            let mut g = TorchGenerator::new(seed);
            for &(d, n) in fills {
                draw(&mut g, d, n);
            }
            g.random()
        };
        assert_eq!(next_after(&[(STD_NORMAL, 37)]), word(seed, 53));
        assert_eq!(next_after(&[(STD_NORMAL, 5)]), word(seed, 12));
        assert_eq!(next_after(&[(STD_NORMAL, 40)]), word(seed, 56));
        assert_eq!(next_after(&[(STD_NORMAL, 32)]), word(seed, 32));
        // orthogonal_(3, 5): normal_ on the 15-element matrix.
        assert_eq!(next_after(&[(STD_NORMAL, 15)]), word(seed, 32));
        // sparse_(5x3, 0.3): normal_(15), then randperm(5) per column (4 words each).
        let mut g = TorchGenerator::new(seed);
        draw(&mut g, Dist::normal(0.0, 0.01).unwrap(), 15);
        let mut w = [0u32; 4];
        for _ in 0..3 {
            g.fill_bits("p", 0, &mut w);
        }
        assert_eq!(g.random(), word(seed, 44));
    }
}

/// `torch.randperm(n)` for small `n` (reference §4.8).
fn randperm(words: &[u32], n: usize) -> Vec<usize> {
    let mut r: Vec<usize> = (0..n).collect();
    for (i, &w) in words.iter().enumerate().take(n.saturating_sub(1)) {
        let z = w as usize % (n - i);
        r.swap(i, i + z);
    }
    r
}

#[test]
fn randperm_from_fill_bits() {
    for seed in [0, 42, 7] {
        for n in [1usize, 2, 5, 10, 100] {
            let mut g = TorchGenerator::new(seed);
            let mut w = vec![0u32; n.saturating_sub(1)];
            g.fill_bits("ignored", 123, &mut w);
            let expect: Vec<u32> = (0..w.len()).map(|k| word(seed, k)).collect();
            assert_eq!(w, expect);
            let p = randperm(&w, n);
            let mut sorted = p.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..n).collect::<Vec<_>>());
            assert_eq!(p, randperm(&expect, n));
            assert_eq!(g.random(), word(seed, w.len()));
        }
    }
}

#[test]
fn mt19937_matches_std() {
    let mut g = TorchGenerator::new(5489);
    assert_eq!(g.random(), 3_499_211_612);
    for _ in 1..9999 {
        g.random();
    }
    assert_eq!(g.random(), 4_123_659_995);
    // Only the low 32 bits select the stream; initial_seed keeps all 64.
    let mut h = TorchGenerator::new((1 << 32) + 5489);
    assert_eq!(h.random(), 3_499_211_612);
    assert_eq!(h.initial_seed(), 4_294_972_785);
}

#[test]
fn rand_core_interface() {
    use rand::Rng;
    let mut g = TorchGenerator::new(0);
    let mut r = TorchGenerator::new(0);
    assert_eq!(g.next_u32(), r.random());
    assert_eq!(g.next_u64(), r.random64());
    let mut bytes = [0u8; 6];
    g.fill_bytes(&mut bytes);
    let (w0, w1) = (r.random().to_le_bytes(), r.random().to_le_bytes());
    assert_eq!(bytes, [w0[0], w0[1], w0[2], w0[3], w1[0], w1[1]]);
    assert_eq!(g.random(), r.random());
}

#[test]
fn narrow_trunc_normal_stays_in_range() {
    // Mass of [2, 2.5] under N(0, 1) is ~0.017: the proposal/accept branch.
    let dist = Dist::trunc_normal(0.0, 1.0, 2.0, 2.5).unwrap();
    let mut v = vec![0.0f32; 20_000];
    TorchGenerator::new(3).fill("p", dist, &mut v);
    assert!(v.iter().all(|&x| (2.0..=2.5).contains(&x)));
    // E[X | 2 <= X <= 2.5] = (φ(2) - φ(2.5)) / (Φ(2.5) - Φ(2)) ≈ 2.2084.
    let mean = v.iter().map(|&x| f64::from(x)).sum::<f64>() / v.len() as f64;
    assert!((mean - 2.2084).abs() < 0.01, "mean {mean}");
}
