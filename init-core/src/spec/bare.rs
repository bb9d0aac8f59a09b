//! Bare parameters and buffers of a derived struct (`#[param(shape = [1, 1, D])] cls_token:
//! Param`, `#[buffer(shape = [S, S], persistent = false)] mask: Buffer`): the compile-time
//! check of an `#[init]` against the declared shape, and the allocation and reset that
//! `zeroed()` and `init_defaults` run.

use super::check::fits;
use super::message::Msg;
use crate::error::{InitError, Result};
use crate::param::{Buffer, Param};
use crate::rng::Seed;
use crate::schemes::Init;

/// The verdict on a bare field's declared shape and, when it has an `#[init]`, on that init:
/// the shape must be addressable as `f32` elements, the scheme's rank requirement must hold,
/// and `values` must broadcast to the shape.
///
/// ```
/// use init_core::spec::check_bare;
/// assert!(check_bare(&[1, 1, 8], "cls_token", "trunc_normal", 0, usize::MAX, None).message().is_none());
/// assert_eq!(
///     check_bare(&[1, 1, 8], "cls_token", "orthogonal", 2, 2, None).message(),
///     Some("field `cls_token`: orthogonal needs a parameter with exactly 2 dimensions, but cls_token has shape [1, 1, 8]")
/// );
/// assert_eq!(
///     check_bare(&[4], "gamma", "values", 0, usize::MAX, Some(&[3])).message(),
///     Some("field `gamma`: values of shape [3] cannot be broadcast to gamma of shape [4]")
/// );
/// ```
pub const fn check_bare(
    shape: &[usize],
    field: &str,
    scheme: &str,
    min_rank: usize,
    max_rank: usize,
    values: Option<&[usize]>,
) -> Msg {
    let mut bytes: usize = 4;
    let mut i = 0;
    while i < shape.len() {
        if shape[i] == 0 {
            break;
        }
        bytes = match bytes.checked_mul(shape[i]) {
            Some(b) if b <= isize::MAX as usize => b,
            _ => {
                return Msg::new()
                    .str("field `")
                    .str(field)
                    .str("`: shape ")
                    .shape(shape)
                    .str(" has more elements than can be addressed");
            }
        };
        i += 1;
    }
    fits(shape, field, field, "", scheme, min_rank, max_rank, values)
}

/// A bare parameter of `shape`, zeros from a zeroed allocation (what `zeroed()` holds
/// until the one initialization). The shape was checked addressable at compile time; a
/// refused allocation panics with its error, as every layer's `zeroed()` does.
pub fn bare_param(shape: &[usize]) -> Param {
    Param::zeros(shape)
}

/// A bare buffer of `shape` holding the values `init` gives (zeros, ones, a constant or
/// literal `values`: the derive accepts only these), persistent or not.
///
/// # Panics
///
/// Where [`bare_param`] does; the derive has checked the rest at compile time.
pub fn bare_buffer(shape: &[usize], init: &Init, persistent: bool) -> Buffer {
    match try_bare_buffer(shape, init, persistent) {
        Ok(buffer) => buffer,
        Err(e) => panic!("#[buffer]: {e}"),
    }
}

/// [`bare_buffer`], with the error.
fn try_bare_buffer(shape: &[usize], init: &Init, persistent: bool) -> Result<Buffer> {
    let mut values = Param::try_zeros(shape)?;
    if !matches!(init, Init::Zeros) {
        // Deterministic schemes draw nothing; the generator is never used.
        // Values made now, never planned: a plan copies buffers once they are reset.
        crate::schemes::planning::paused(|| init.fill(&mut values, "", &mut Seed::new(0)))?;
    }
    let buffer = Buffer::from_f32(values.view().to_owned());
    Ok(if persistent { buffer } else { buffer.non_persistent() })
}

/// Reset the bare buffer `name` of the module at `prefix` to the values `init` gives (the
/// derive's `init_defaults`, as a layer's `reset_parameters` resets its running
/// statistics). Errors name the buffer's path.
pub fn reset_buffer(buffer: &mut Buffer, init: &Init, prefix: &str, name: &str) -> Result<()> {
    let fresh = try_bare_buffer(buffer.shape(), init, buffer.is_persistent())
        .map_err(|e: InitError| e.at(crate::module::join(prefix, name)))?;
    *buffer = fresh;
    Ok(())
}

/// Zero the bare parameter `name` of the module at `prefix` (the derive's `init_defaults`
/// for a bare parameter without `#[init]` that no rule fills: PyTorch's
/// `nn.Parameter(torch.zeros(...))`).
pub fn reset_param(param: &mut Param, prefix: &str, name: &str) {
    crate::schemes::planning::set_constant(param, &crate::module::join(prefix, name), 0.0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_take_their_declared_values() {
        let b = bare_buffer(&[2, 2], &Init::Ones, false);
        assert!(!b.is_persistent());
        assert_eq!(b.as_f32().unwrap().iter().copied().collect::<Vec<_>>(), [1.0; 4]);
        let b = bare_buffer(&[3], &Init::Constant { value: 0.5 }, true);
        assert!(b.is_persistent());
        assert_eq!(b.as_f32().unwrap().iter().copied().collect::<Vec<_>>(), [0.5; 3]);
    }

    #[test]
    fn unaddressable_shapes_are_refused() {
        let m = check_bare(&[usize::MAX, 2], "pos", "zeros", 0, usize::MAX, None);
        assert_eq!(
            m.message(),
            Some(
                "field `pos`: shape [18446744073709551615, 2] has more elements than can be addressed"
            )
        );
        assert!(
            check_bare(&[0, usize::MAX], "pos", "zeros", 0, usize::MAX, None).message().is_none()
        );
    }
}
