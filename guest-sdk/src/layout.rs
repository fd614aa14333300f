//! Flat `f32` layouts for env states and actions: what crosses the host–guest boundary.
//!
//! Every `State` and `Action` is a `#[repr(C)]` struct of `f32` and `[f32; N]` fields, so it
//! is exactly a slice of `LEN` little-endian `f32`s in wasm memory. The field table
//! ([`Layout::FIELDS`]) names each field with its unit, doc and a typical range; the host
//! uses it to describe envs and to sample test transitions for `rewardsmith check`.

/// One named field of a [`Layout`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Field {
    /// Field name as written in reward code (`next.pole_angle`).
    pub name: &'static str,
    /// Number of `f32`s (1 for a scalar, N for `[f32; N]`).
    pub len: usize,
    /// Unit (`"m"`, `"rad/s"`, `"1"` for dimensionless).
    pub unit: &'static str,
    /// What the field means, from its doc comment.
    pub doc: &'static str,
    /// A typical range of each component, used to sample plausible test values.
    pub range: (f32, f32),
}

/// The index of field `name`'s first float in a layout with `fields`, usable in `const`
/// items (`const TIME: usize = offset_of(State::FIELDS, "time");`), so code never restates
/// a layout's indices by hand.
///
/// # Panics
/// If there is no such field (at compile time, in a `const`).
pub const fn offset_of(fields: &[Field], name: &str) -> usize {
    let mut i = 0;
    let mut offset = 0;
    while i < fields.len() {
        if str_eq(fields[i].name, name) {
            return offset;
        }
        offset += fields[i].len;
        i += 1;
    }
    panic!("no such field in this layout")
}

pub(crate) const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// A struct that is exactly `LEN` `f32`s.
///
/// # Safety
/// Implementors must be `#[repr(C)]` with only `f32` / `[f32; N]` fields totalling `LEN`
/// floats. Implement it only through the SDK's env definitions.
#[allow(unsafe_code)]
pub unsafe trait Layout: Copy + Default + 'static {
    /// Number of `f32`s.
    const LEN: usize;
    /// The fields in memory order.
    const FIELDS: &'static [Field];

    /// Views a slice of exactly `LEN` floats as this struct.
    ///
    /// # Panics
    /// If `values.len() != Self::LEN`.
    fn from_slice(values: &[f32]) -> &Self;

    /// The struct as its `LEN` floats.
    fn as_slice(&self) -> &[f32];

    /// Mutable view of the struct as its `LEN` floats.
    fn as_mut_slice(&mut self) -> &mut [f32];
}

/// The state of one env: a [`Layout`] tied to the env's id and action type.
pub trait EnvState: Layout {
    /// The versioned env id this state belongs to (`"cartpole-v0"`).
    const ENV_ID: &'static str;
    /// The env's action struct.
    type Action: Layout;
}

/// Defines a `#[repr(C)]` all-`f32` struct and its [`Layout`] impl from one field list.
///
/// Each field: doc comment, `name: f32` or `name: [f32; N]`, then `[unit, (lo, hi)]`.
#[macro_export]
#[doc(hidden)]
macro_rules! __layout {
    (
        $(#[doc = $sdoc:literal])*
        pub struct $name:ident {
            $(
                $(#[doc = $doc:literal])*
                $field:ident : $ty:ty => [$unit:literal, ($lo:expr, $hi:expr)]
            ),* $(,)?
        }
    ) => {
        $(#[doc = $sdoc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq)]
        #[repr(C)]
        pub struct $name {
            $( $(#[doc = $doc])* pub $field: $ty, )*
        }

        const _: () = assert!(
            ::core::mem::size_of::<$name>() == <$name as $crate::layout::Layout>::LEN * 4
                && ::core::mem::align_of::<$name>() == 4
        );

        // SAFETY: repr(C), f32-only fields, size and alignment asserted above. No
        // `#[allow(unsafe_code)]` here: a reward crate compiles under `-F unsafe_code`, which
        // refuses any `allow` of it, and rustc does not lint inside another crate's macro.
        // The SDK's own env modules allow it where they are declared.
        unsafe impl $crate::layout::Layout for $name {
            const LEN: usize = 0 $(+ ::core::mem::size_of::<$ty>() / 4)*;
            const FIELDS: &'static [$crate::layout::Field] = &[
                $($crate::layout::Field {
                    name: stringify!($field),
                    len: ::core::mem::size_of::<$ty>() / 4,
                    unit: $unit,
                    doc: concat!($($doc),*),
                    range: ($lo, $hi),
                }),*
            ];

            #[inline(always)]
            fn from_slice(values: &[f32]) -> &Self {
                $crate::layout::cast(values)
            }

            #[inline(always)]
            fn as_slice(&self) -> &[f32] {
                $crate::layout::cast_back(self)
            }

            #[inline(always)]
            fn as_mut_slice(&mut self) -> &mut [f32] {
                $crate::layout::cast_back_mut(self)
            }
        }
    };
}

/// Views `values` as `T`. Sound for the structs `__layout!` defines: `#[repr(C)]`, only
/// `f32` fields (no padding, align 4, every bit pattern valid), size checked at compile time.
#[doc(hidden)]
#[allow(unsafe_code)]
#[inline(always)]
pub fn cast<T: Layout>(values: &[f32]) -> &T {
    assert_eq!(values.len(), T::LEN, "layout length mismatch");
    // SAFETY: see above; the slice has exactly size_of::<T>() bytes at f32 alignment.
    unsafe { &*values.as_ptr().cast::<T>() }
}

#[doc(hidden)]
#[allow(unsafe_code)]
#[inline(always)]
pub fn cast_back<T: Layout>(value: &T) -> &[f32] {
    // SAFETY: T is LEN f32s laid out contiguously (checked at compile time).
    unsafe { core::slice::from_raw_parts((value as *const T).cast::<f32>(), T::LEN) }
}

#[doc(hidden)]
#[allow(unsafe_code)]
#[inline(always)]
pub fn cast_back_mut<T: Layout>(value: &mut T) -> &mut [f32] {
    // SAFETY: as in `cast_back`; the borrow is unique.
    unsafe { core::slice::from_raw_parts_mut((value as *mut T).cast::<f32>(), T::LEN) }
}

/// Declares that `$state` is the state of env `$id` with action `$action`.
#[macro_export]
#[doc(hidden)]
macro_rules! __env_state {
    ($state:ident, $action:ident, $id:expr) => {
        impl $crate::layout::EnvState for $state {
            const ENV_ID: &'static str = $id;
            type Action = $action;
        }
    };
}
