//! [`FileDtype`]: every dtype name the safetensors format defines (as of `safetensors` 0.8),
//! so that a header naming one this crate cannot load is told apart from a header naming
//! none.

use std::fmt;

/// One dtype a safetensors header can name, with its width in bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types, clippy::upper_case_acronyms)] // the format's own spellings
pub(crate) enum FileDtype {
    BOOL,
    F4,
    F6_E2M3,
    F6_E3M2,
    U8,
    I8,
    F8_E5M2,
    F8_E4M3,
    F8_E8M0,
    F8_E4M3FNUZ,
    F8_E5M2FNUZ,
    I16,
    U16,
    F16,
    BF16,
    I32,
    U32,
    F32,
    C64,
    F64,
    I64,
    U64,
}

/// Every dtype with its name and width, in the format's order.
const TABLE: [(FileDtype, &str, usize); 22] = [
    (FileDtype::BOOL, "BOOL", 8),
    (FileDtype::F4, "F4", 4),
    (FileDtype::F6_E2M3, "F6_E2M3", 6),
    (FileDtype::F6_E3M2, "F6_E3M2", 6),
    (FileDtype::U8, "U8", 8),
    (FileDtype::I8, "I8", 8),
    (FileDtype::F8_E5M2, "F8_E5M2", 8),
    (FileDtype::F8_E4M3, "F8_E4M3", 8),
    (FileDtype::F8_E8M0, "F8_E8M0", 8),
    (FileDtype::F8_E4M3FNUZ, "F8_E4M3FNUZ", 8),
    (FileDtype::F8_E5M2FNUZ, "F8_E5M2FNUZ", 8),
    (FileDtype::I16, "I16", 16),
    (FileDtype::U16, "U16", 16),
    (FileDtype::F16, "F16", 16),
    (FileDtype::BF16, "BF16", 16),
    (FileDtype::I32, "I32", 32),
    (FileDtype::U32, "U32", 32),
    (FileDtype::F32, "F32", 32),
    (FileDtype::C64, "C64", 64),
    (FileDtype::F64, "F64", 64),
    (FileDtype::I64, "I64", 64),
    (FileDtype::U64, "U64", 64),
];

impl FileDtype {
    /// The dtype a header names (case-sensitive, as the format), if any.
    pub(crate) fn from_name(name: &str) -> Option<FileDtype> {
        TABLE.iter().find(|(_, n, _)| *n == name).map(|(d, _, _)| *d)
    }

    /// The name as written in files.
    pub(crate) fn name(self) -> &'static str {
        TABLE[self as usize].1
    }

    /// Bits per element.
    pub(crate) fn bitsize(self) -> usize {
        TABLE[self as usize].2
    }
}

impl fmt::Display for FileDtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_declaration_order_and_names_round_trip() {
        for (i, (d, name, _)) in TABLE.iter().enumerate() {
            assert_eq!(*d as usize, i, "{name}");
            assert_eq!(FileDtype::from_name(name), Some(*d));
            assert_eq!(d.to_string(), *name);
        }
        assert_eq!(FileDtype::from_name("f32"), None);
        assert_eq!(FileDtype::from_name("F128"), None);
        assert_eq!(
            (FileDtype::F4.bitsize(), FileDtype::BF16.bitsize(), FileDtype::C64.bitsize()),
            (4, 16, 64)
        );
    }
}
