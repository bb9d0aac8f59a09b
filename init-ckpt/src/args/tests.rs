use super::*;
use init_core::Rank;

fn run(args: &[&str]) -> Result<Args, String> {
    match Args::parse(args.iter().copied())? {
        Command::Run(a) => Ok(a),
        other => panic!("expected a run, got {other:?}"),
    }
}

#[test]
fn every_option_and_both_spellings() {
    let a = run(&[
        "--config=c.json",
        "--out",
        "d",
        "--seed",
        "18446744073709551615",
        "--dtype",
        "f16",
        "--max-shard-size",
        "2GiB",
        "--rank",
        "1",
        "--world-size=4",
        "--wait-for-all",
        "0",
        "-q",
    ])
    .unwrap();
    assert_eq!(a.config, PathBuf::from("c.json"));
    assert_eq!(a.out, PathBuf::from("d"));
    assert_eq!(a.seed, u64::MAX);
    assert_eq!(a.dtype, FloatDtype::F16);
    assert_eq!(a.max_shard_size, 2 << 30);
    assert_eq!(a.rank, Some(Rank::new(1, 4).unwrap()));
    assert_eq!(a.wait_for_all, 0);
    assert!(a.quiet);
    assert_eq!(Args::parse(["--config", "c", "--help"]), Ok(Command::Help));
    assert_eq!(Args::parse(["-V"]), Ok(Command::Version));
}

#[test]
fn errors_name_the_option() {
    let cases: &[(&[&str], &str)] = &[
        (&["--out", "d"], "missing --config (the model's config.json)"),
        (&["--config", "c"], "missing --out (the output directory)"),
        (&["--config"], "--config needs a value"),
        (&["--config", "--out", "d"], "--config needs a value"),
        (
            &["--config", "c", "--out", "d", "--seed", "-1"],
            "--seed: expected an integer from 0 to 2^64 - 1, found \"-1\"",
        ),
        (
            &["--config", "c", "--out", "d", "--dtype", "int8"],
            "--dtype: expected f32, bf16 or f16, found \"int8\"",
        ),
        (
            &["--config", "c", "--out", "d", "--max-shard-size", "0"],
            "--max-shard-size: \"0\" is 0 bytes: a shard size must be at least 1 byte",
        ),
        (&["--config", "c", "--out", "d", "--rank", "0"], "--rank needs --world-size"),
        (&["--config", "c", "--out", "d", "--world-size", "2"], "--world-size needs --rank"),
        (
            &["--config", "c", "--out", "d", "--rank", "0", "--world-size", "0"],
            "--world-size must be at least 1",
        ),
        (
            &["--config", "c", "--out", "d", "--rank", "2", "--world-size", "2"],
            "--rank 2 is not below --world-size 2",
        ),
        (&["--config", "c", "--config", "e"], "--config given twice"),
        (
            &["--config", "c", "--out", "d", "--wait-for-all", "1h"],
            "--wait-for-all: expected a number of seconds, found \"1h\"",
        ),
        (&["--seeed", "1"], "unknown option \"--seeed\" (did you mean --seed?); see --help"),
        (&["--frobnicate"], "unknown option \"--frobnicate\"; see --help"),
        (
            &["c.json"],
            "unexpected argument \"c.json\": every value follows its option (--config c.json?); see --help",
        ),
    ];
    for (args, msg) in cases {
        assert_eq!(Args::parse(args.iter().copied()), Err(msg.to_string()), "{args:?}");
    }
}
