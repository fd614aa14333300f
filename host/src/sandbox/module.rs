//! A validated, compiled reward module.

use sha2::{Digest, Sha256};
use wasmtime::{Engine, ExternType, Module};

use super::abi::{FUNCTIONS, MEMORY};
use super::checker::CompileChecker;
use super::error::RewardError;
use super::limits::Limits;
use super::precheck;

/// A reward module that passed validation: no imports, every ABI export with the right
/// signature, one 32-bit unshared memory exported as `memory`.
#[derive(Debug)]
pub struct RewardModule {
    pub(crate) module: Module,
    hash: [u8; 32],
    size: usize,
}

pub(crate) fn content_hash(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

impl RewardModule {
    pub(crate) fn compile(
        engine: &Engine,
        limits: &Limits,
        checker: Option<&CompileChecker>,
        bytes: &[u8],
        hash: [u8; 32],
    ) -> Result<RewardModule, RewardError> {
        if !bytes.starts_with(b"\0asm") {
            return Err(RewardError::Malformed {
                reason: "not a WebAssembly binary (it does not start with \\0asm); pass .wat text through the compiler"
                    .into(),
            });
        }
        // Shape first (a streaming parse), then a bounded trial compile, then the real one.
        precheck::check(bytes, limits)?;
        if let Some(checker) = checker {
            checker.trial_compile(bytes, limits)?;
        }
        let module =
            Module::from_binary(engine, bytes).map_err(|e| RewardError::Malformed { reason: first_line(&e) })?;
        if let Some(import) = module.imports().next() {
            return Err(RewardError::ForbiddenImport { module: import.module().into(), name: import.name().into() });
        }
        for spec in FUNCTIONS {
            let found = module.get_export(spec.name);
            let ok = match &found {
                Some(ExternType::Func(f)) => {
                    f.params().map(|p| p.to_string()).eq(spec.params.iter().map(|p| p.to_string()))
                        && f.results().map(|r| r.to_string()).eq(spec.results.iter().map(|r| r.to_string()))
                }
                _ => false,
            };
            match (found, ok) {
                (_, true) => {}
                (None, _) => return Err(RewardError::MissingExport { name: spec.name, expected: spec.signature }),
                (Some(t), false) => {
                    return Err(RewardError::ExportType {
                        name: spec.name,
                        expected: spec.signature,
                        found: describe(&t),
                    });
                }
            }
        }
        match module.get_export(MEMORY) {
            Some(ExternType::Memory(m)) if !m.is_64() && !m.is_shared() => {}
            None => return Err(RewardError::MissingExport { name: MEMORY, expected: "a 32-bit linear memory" }),
            Some(t) => {
                return Err(RewardError::ExportType {
                    name: MEMORY,
                    expected: "a 32-bit unshared memory",
                    found: describe(&t),
                });
            }
        }
        Ok(RewardModule { module, hash, size: bytes.len() })
    }

    /// SHA-256 of the module bytes, hex: the module's identity in caches and run stores.
    pub fn hash_hex(&self) -> String {
        self.hash.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Size of the module bytes.
    pub fn size(&self) -> usize {
        self.size
    }
}

fn describe(t: &ExternType) -> String {
    match t {
        ExternType::Func(f) => {
            let params: Vec<String> = f.params().map(|p| p.to_string()).collect();
            let results: Vec<String> = f.results().map(|r| r.to_string()).collect();
            format!("func({}) -> ({})", params.join(", "), results.join(", "))
        }
        ExternType::Memory(m) => format!("a memory (64-bit: {}, shared: {})", m.is_64(), m.is_shared()),
        ExternType::Global(_) => "a global".into(),
        ExternType::Table(_) => "a table".into(),
        ExternType::Tag(_) => "a tag".into(),
    }
}

/// The first line of an error chain, without wasmtime's backtrace noise.
pub(crate) fn first_line(e: &wasmtime::Error) -> String {
    let full = format!("{e:#}");
    full.lines().next().unwrap_or("unknown error").trim().to_string()
}
