//! Shard sizes written as Hugging Face writes them (`max_shard_size="5GB"`).

/// Parses a size as `transformers`' `convert_file_size_to_int` does, plus plain bytes and
/// terabytes: `"5GB"` is 5 * 10^9 bytes, `"5GiB"` is 5 * 2^30, `"5Gb"` (bits) is 5 * 10^9 / 8,
/// `"1000"` is 1000 bytes. Units are case-insensitive except the bit `b`. Zero is refused.
///
/// ```
/// use init_ckpt::parse_size;
///
/// assert_eq!(parse_size("5GB"), Ok(5_000_000_000));
/// assert_eq!(parse_size("2MiB"), Ok(2 << 20));
/// assert_eq!(parse_size("8Kb"), Ok(1000));
/// assert!(parse_size("0GB").unwrap_err().contains("at least 1 byte"));
/// ```
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits);
    let bad = || {
        format!(
            "{text:?} is not a size: write an integer and a unit, e.g. 5GB, 500MB, 2GiB or a number of bytes"
        )
    };
    let n: u64 = number.parse().map_err(|_| bad())?;
    let (scale, bits) = match unit.to_ascii_uppercase().as_str() {
        "" | "B" if !unit.ends_with('b') => (1, false),
        "KB" => (1_000, unit.ends_with('b')),
        "MB" => (1_000_000, unit.ends_with('b')),
        "GB" => (1_000_000_000, unit.ends_with('b')),
        "TB" => (1_000_000_000_000, unit.ends_with('b')),
        "KIB" => (1 << 10, false),
        "MIB" => (1 << 20, false),
        "GIB" => (1 << 30, false),
        "TIB" => (1 << 40, false),
        _ => return Err(bad()),
    };
    let bytes = n
        .checked_mul(scale)
        .ok_or_else(|| format!("{text:?} is more bytes than fit in 64 bits"))?;
    let bytes = if bits { bytes / 8 } else { bytes };
    if bytes == 0 {
        return Err(format!("{text:?} is 0 bytes: a shard size must be at least 1 byte"));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_as_transformers_reads_them() {
        assert_eq!(parse_size("24KB"), Ok(24_000));
        assert_eq!(parse_size("10gb"), Ok(10_000_000_000 / 8));
        assert_eq!(parse_size("10GB"), Ok(10_000_000_000));
        assert_eq!(parse_size("1tib"), Ok(1 << 40));
        assert_eq!(parse_size("123"), Ok(123));
        assert_eq!(parse_size("123B"), Ok(123));
    }

    #[test]
    fn refusals_name_the_text() {
        for bad in ["", "GB", "1.5GB", "-1GB", "5 XB", "5b"] {
            assert!(
                parse_size(bad).unwrap_err().starts_with(&format!("{bad:?} is not a size")),
                "{bad}"
            );
        }
        assert_eq!(
            parse_size("0"),
            Err("\"0\" is 0 bytes: a shard size must be at least 1 byte".into())
        );
        assert_eq!(parse_size("7b"), Err("\"7b\" is not a size: write an integer and a unit, e.g. 5GB, 500MB, 2GiB or a number of bytes".into()));
        assert!(parse_size("99999999999TB").unwrap_err().contains("64 bits"));
    }
}
