//! The wasm side of the reward ABI (see `docs/abi.md`): state behind the exports that
//! [`export_reward!`](crate::export_reward) emits.
//!
//! A guest is single-threaded (the sandbox enables no threads), so the runtime lives in one
//! global cell. Strings cross the boundary as an `i64`: `(len << 32) | ptr`.

use alloc::string::String;
use alloc::vec::Vec;
use core::cell::UnsafeCell;

use crate::batch::{run_batch, transition_len};
use crate::layout::{EnvState, Layout};
use crate::{RewardFn, Terms};

/// Longest panic message kept, in bytes.
pub const PANIC_MESSAGE_MAX: usize = 1024;

struct Runtime {
    input: Vec<f32>,
    terms: Terms,
    panic_message: String,
}

struct GuestCell(UnsafeCell<Runtime>);

// SAFETY: wasm guests run on one thread; native callers never touch this cell.
#[allow(unsafe_code)]
unsafe impl Sync for GuestCell {}

static RUNTIME: GuestCell =
    GuestCell(UnsafeCell::new(Runtime { input: Vec::new(), terms: Terms::new(), panic_message: String::new() }));

#[allow(unsafe_code)]
fn runtime() -> &'static mut Runtime {
    // SAFETY: single-threaded guest, and no export holds the reference across another
    // export call, so there is never more than one live `&mut`.
    unsafe { &mut *RUNTIME.0.get() }
}

fn pack(ptr: *const u8, len: usize) -> i64 {
    ((len as i64) << 32) | (ptr as usize as u32 as i64)
}

/// `rewardsmith_env_id`: the env id string.
pub fn env_id<S: EnvState>(_: RewardFn<S, S::Action>) -> i64 {
    pack(S::ENV_ID.as_ptr(), S::ENV_ID.len())
}

/// `rewardsmith_layout`: `(action_len << 32) | state_len`, in floats.
pub fn layout<S: EnvState>(_: RewardFn<S, S::Action>) -> i64 {
    ((<S::Action as Layout>::LEN as i64) << 32) | S::LEN as i64
}

/// `rewardsmith_input`: a buffer for `n` transitions; returns its address (0 if `n < 1`).
pub fn input<S: EnvState>(_: RewardFn<S, S::Action>, n: i32) -> i32 {
    if n < 1 {
        return 0;
    }
    let rt = runtime();
    rt.input.resize(n as usize * transition_len::<S>(), 0.0);
    rt.input.as_ptr() as usize as i32
}

/// `rewardsmith_run`: runs the reward over the `n` transitions in the input buffer and
/// returns the address of `n` totals followed by `n × term_count` values (0 if the input
/// buffer holds fewer than `n` transitions).
pub fn run<S: EnvState, F: Fn(&S, &S::Action, &S, &mut Terms) -> f32>(reward: F, n: i32) -> i32 {
    let rt = runtime();
    if n < 1 || rt.input.len() < n as usize * transition_len::<S>() {
        return 0;
    }
    run_batch::<S, F>(reward, &rt.input, n as usize, &mut rt.terms);
    rt.terms.output().as_ptr() as usize as i32
}

/// `rewardsmith_term_count`: distinct term names seen so far.
pub fn term_count() -> i32 {
    runtime().terms.len() as i32
}

/// `rewardsmith_term_name`: term `i`'s name, or an empty string past the end.
pub fn term_name(i: i32) -> i64 {
    match runtime().terms.name(i as usize) {
        Some(name) => pack(name.as_ptr(), name.len()),
        None => 0,
    }
}

/// `rewardsmith_panic_message`: the last panic's message (empty if none).
pub fn panic_message() -> i64 {
    let m = &runtime().panic_message;
    pack(m.as_ptr(), m.len())
}

/// Stores a panic message for the host to read after the trap (the panic hook calls this).
pub fn record_panic(message: &str) {
    let mut end = message.len().min(PANIC_MESSAGE_MAX);
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    let m = &mut runtime().panic_message;
    m.clear();
    m.push_str(&message[..end]);
}

/// Emits the reward ABI exports for `reward` (see `docs/abi.md`).
///
/// `reward` must be a `fn(&State, &Action, &State, &mut Terms) -> f32` for one env's
/// `State` and `Action`; the env id comes from the `State` type. A panic's message is kept
/// for the host, which shows it with the trap. Works with and without `#![no_std]`. On
/// other targets the macro emits
/// `pub fn native_batch(input, n, terms)` instead: the same batch loop, natively.
#[macro_export]
macro_rules! export_reward {
    ($reward:path) => {
        /// The same batch loop the wasm export runs, natively: for benchmarks and tests
        /// that compare a reward's native and sandboxed results.
        #[cfg(not(target_arch = "wasm32"))]
        #[allow(dead_code)]
        pub fn native_batch(input: &[f32], n: usize, terms: &mut $crate::Terms) {
            $crate::run_batch($reward, input, n, terms)
        }

        #[cfg(target_arch = "wasm32")]
        const _: () = {
            // Named here, so a `#![no_std]` reward links std too: its panic handler (a
            // no_std module would have none) and the hook that keeps the panic message.
            extern crate std as __rewardsmith_std;
            #[unsafe(no_mangle)]
            pub extern "C" fn rewardsmith_abi_version() -> i32 {
                $crate::ABI_VERSION as i32
            }
            #[unsafe(no_mangle)]
            pub extern "C" fn rewardsmith_env_id() -> i64 {
                $crate::abi::env_id($reward)
            }
            #[unsafe(no_mangle)]
            pub extern "C" fn rewardsmith_layout() -> i64 {
                $crate::abi::layout($reward)
            }
            #[unsafe(no_mangle)]
            pub extern "C" fn rewardsmith_input(n: i32) -> i32 {
                static HOOK: __rewardsmith_std::sync::Once = __rewardsmith_std::sync::Once::new();
                HOOK.call_once(|| {
                    __rewardsmith_std::panic::set_hook(__rewardsmith_std::boxed::Box::new(|info| {
                        $crate::abi::record_panic(&__rewardsmith_std::string::ToString::to_string(info))
                    }))
                });
                $crate::abi::input($reward, n)
            }
            #[unsafe(no_mangle)]
            pub extern "C" fn rewardsmith_run(n: i32) -> i32 {
                $crate::abi::run($reward, n)
            }
            #[unsafe(no_mangle)]
            pub extern "C" fn rewardsmith_term_count() -> i32 {
                $crate::abi::term_count()
            }
            #[unsafe(no_mangle)]
            pub extern "C" fn rewardsmith_term_name(i: i32) -> i64 {
                $crate::abi::term_name(i)
            }
            #[unsafe(no_mangle)]
            pub extern "C" fn rewardsmith_panic_message() -> i64 {
                $crate::abi::panic_message()
            }
        };
    };
}
