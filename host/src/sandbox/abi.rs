//! The host's view of the reward ABI: required exports and their signatures (docs/abi.md).

use wasmtime::ValType;

/// The ABI version this host runs.
pub const ABI_VERSION: u32 = rewardsmith_guest::ABI_VERSION;

/// One required function export: name, parameters, results, and a readable signature.
#[derive(Debug)]
pub struct ExportSpec {
    pub name: &'static str,
    pub params: &'static [ValType],
    pub results: &'static [ValType],
    pub signature: &'static str,
}

pub const ABI_VERSION_FN: &str = "rewardsmith_abi_version";
pub const ENV_ID_FN: &str = "rewardsmith_env_id";
pub const LAYOUT_FN: &str = "rewardsmith_layout";
pub const INPUT_FN: &str = "rewardsmith_input";
pub const RUN_FN: &str = "rewardsmith_run";
pub const TERM_COUNT_FN: &str = "rewardsmith_term_count";
pub const TERM_NAME_FN: &str = "rewardsmith_term_name";
pub const PANIC_MESSAGE_FN: &str = "rewardsmith_panic_message";
pub const MEMORY: &str = "memory";

/// Every function a reward module must export.
pub const FUNCTIONS: &[ExportSpec] = &[
    ExportSpec { name: ABI_VERSION_FN, params: &[], results: &[ValType::I32], signature: "func() -> i32" },
    ExportSpec { name: ENV_ID_FN, params: &[], results: &[ValType::I64], signature: "func() -> i64" },
    ExportSpec { name: LAYOUT_FN, params: &[], results: &[ValType::I64], signature: "func() -> i64" },
    ExportSpec { name: INPUT_FN, params: &[ValType::I32], results: &[ValType::I32], signature: "func(i32) -> i32" },
    ExportSpec { name: RUN_FN, params: &[ValType::I32], results: &[ValType::I32], signature: "func(i32) -> i32" },
    ExportSpec { name: TERM_COUNT_FN, params: &[], results: &[ValType::I32], signature: "func() -> i32" },
    ExportSpec { name: TERM_NAME_FN, params: &[ValType::I32], results: &[ValType::I64], signature: "func(i32) -> i64" },
    ExportSpec { name: PANIC_MESSAGE_FN, params: &[], results: &[ValType::I64], signature: "func() -> i64" },
];

/// Splits a packed string reference `(len << 32) | ptr` into `(ptr, len)`.
pub fn unpack(packed: i64) -> (usize, usize) {
    ((packed as u64 & 0xffff_ffff) as usize, (packed as u64 >> 32) as usize)
}
