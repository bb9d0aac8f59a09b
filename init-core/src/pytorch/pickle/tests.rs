//! The machine on pickles written by hand: values, memo, limits, and one error per rule.

use super::value::{Global, StorageDtype, Value};
use super::{MAX_DEPTH, Unpickled, unpickle};
use crate::error::FileError;

/// `PROTO 2`, `body`, `STOP`.
fn run(body: &[u8]) -> Result<Unpickled, FileError> {
    let mut p = b"\x80\x02".to_vec();
    p.extend_from_slice(body);
    p.push(b'.');
    unpickle(&p)
}

fn root(body: &[u8]) -> Value {
    let u = run(body).unwrap();
    u.get(u.root).clone()
}

fn err(body: &[u8]) -> String {
    run(body).err().map(|e| e.to_string()).unwrap_or_default()
}

#[test]
fn integers_of_every_width() {
    assert_eq!(root(b"K\xff"), Value::Int(255));
    assert_eq!(root(b"M\x01\x02"), Value::Int(0x0201));
    assert_eq!(root(b"J\xfe\xff\xff\xff"), Value::Int(-2));
    assert_eq!(root(b"\x8a\x00"), Value::Int(0));
    assert_eq!(root(b"\x8a\x01\xff"), Value::Int(-1));
    assert_eq!(root(b"\x8a\x02\xff\x00"), Value::Int(255));
    assert_eq!(root(b"\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x80"), Value::Int(i64::MIN));
    assert_eq!(root(b"G\x3f\xf8\x00\x00\x00\x00\x00\x00"), Value::Float(1.5));
    assert_eq!(root(b"\x88"), Value::Bool(true));
    assert_eq!(root(b"U\x02ab"), Value::Str("ab".into()));
}

#[test]
fn containers_and_the_memo() {
    // [1, 2, 3] built by APPEND and APPENDS, memoized, fetched into a tuple twice.
    let u = run(b"]q\x07K\x01a(K\x02K\x03e0").err();
    assert_eq!(
        u.map(|e| e.to_string()).unwrap_or_default(),
        "data.pkl, byte 14: opcode POP is not allowed"
    );
    let u = run(b"(]q\x07K\x01a(K\x02K\x03eh\x07t").unwrap();
    let Value::Tuple(items) = u.get(u.root) else { panic!("a tuple") };
    assert_eq!(items[0], items[1], "one list, referenced twice");
    let Value::List(l) = u.get(items[0]) else { panic!("a list") };
    let ints: Vec<&Value> = l.iter().map(|&i| u.get(i)).collect();
    assert_eq!(ints, [&Value::Int(1), &Value::Int(2), &Value::Int(3)]);
    // A dict by SETITEM and SETITEMS, in order.
    let u =
        run(b"}X\x01\x00\x00\x00aK\x01s(X\x01\x00\x00\x00bK\x02X\x01\x00\x00\x00cK\x03u").unwrap();
    let Value::Dict(d) = u.get(u.root) else { panic!("a dict") };
    let keys: Vec<&Value> = d.iter().map(|&(k, _)| u.get(k)).collect();
    assert_eq!(keys, [&Value::Str("a".into()), &Value::Str("b".into()), &Value::Str("c".into())]);
}

#[test]
fn globals_resolve_to_the_allow_list() {
    assert_eq!(root(b"ctorch\nHalfStorage\n"), Value::Global(Global::Storage(StorageDtype::Half)));
    assert_eq!(root(b"ctorch\nbfloat16\n"), Value::Global(Global::Dtype("bfloat16")));
    assert_eq!(root(b"ccollections\nOrderedDict\n)R"), Value::Dict(Vec::new()));
    assert!(err(b"ctorch\nload\n").contains("global `torch.load` is not allowed"));
    assert!(
        err(b"ctorch._utils\n_rebuild_tensor\n")
            .contains("global `torch._utils._rebuild_tensor` is not allowed")
    );
}

#[test]
fn each_broken_rule_has_its_error() {
    let cases: &[(&[u8], &str)] = &[
        (b"\xff", "data.pkl, byte 2: byte 0xff is not a pickle opcode"),
        (b"a", "data.pkl, byte 2: needs 1 values on the stack, it holds 0"),
        (b"(s", "data.pkl, byte 3: needs 2 values on the stack, it holds 0"),
        (b"Nt", "data.pkl, byte 3: needs a MARK, none is open"),
        (b"}(K\x01u", "data.pkl, byte 6: SETITEMS with 1 values, not key-value pairs"),
        (b"NNNs", "data.pkl, byte 5: SETITEM on None, not a dict"),
        (b"NNa", "data.pkl, byte 4: APPEND to None, not a list"),
        (b"X\x01\x00\x00\x00\xff", "data.pkl, byte 2: a string that is not UTF-8"),
        (b"cos", "data.pkl, byte 2: GLOBAL without a newline in its first 1024 bytes"),
        (b"N(", "data.pkl, byte 4: STOP with a MARK still open"),
        (b"NN", "data.pkl, byte 4: STOP with 2 values on the stack, not 1"),
        (b"q\x00", "data.pkl, byte 2: needs a value on the stack, it holds none"),
        (b"N)R", "data.pkl, byte 4: REDUCE calls None, not an allowed global"),
        (b"ccollections\nOrderedDict\nNR", "data.pkl, byte 28: REDUCE with None as arguments, not a tuple"),
        (
            b"(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x04tQ(X\x07\x00\x00\x00storagectorch\nLongStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x04tQ\x86",
            "data.pkl, byte 102: storage `0` is named twice with different types or sizes",
        ),
    ];
    for (body, message) in cases {
        assert_eq!(err(body), *message, "{body:?}");
    }
}

#[test]
fn depth_is_limited_and_nothing_recurses() {
    let marks = vec![b'('; MAX_DEPTH];
    // MAX_DEPTH MARKs are fine (then STOP complains they are open); one more is refused.
    assert_eq!(err(&marks), "data.pkl, byte 1002: STOP with a MARK still open");
    let mut more = marks.clone();
    more.push(b'(');
    assert_eq!(
        err(&more),
        "data.pkl, byte 1002: more than 1000 MARKs open at once (nesting too deep)"
    );
    // A million nested one-tuples: built and dropped without recursion.
    let mut deep = b"N".to_vec();
    deep.extend(std::iter::repeat_n(0x85, 1_000_000));
    let u = run(&deep).unwrap();
    assert_eq!(u.values.len(), 1_000_001);
}
