//! Shared helpers for rewardsmith's cross-crate integration tests: a compiler whose cache
//! lives in the target folder, small-limit sandboxes, fixture loading, and a template that
//! wraps a hostile function body in an otherwise valid reward module.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use rewardsmith::compiler::{Compiler, CompilerOptions, Source};
use rewardsmith::sandbox::{Limits, RewardError, RewardInstance, Sandbox};

/// `tests/fixtures/NAME`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name)
}

/// `guest-sdk/examples/NAME.rs`.
pub fn example(env: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../guest-sdk/examples").join(format!("{env}.rs"))
}

/// `guest-sdk/examples/NAME_sparse.rs`: the env's sparse reward.
pub fn sparse_example(env: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../guest-sdk/examples").join(format!("{env}_sparse.rs"))
}

/// The six env short names.
pub const ENVS: &[&str] = &["ant", "ball_balance", "cartpole", "pendulum", "pusher", "reacher"];

/// One compiler per test process; its cache (SDK build and modules) is shared by all test
/// processes through the target folder.
pub fn compiler() -> &'static Compiler {
    static C: OnceLock<Compiler> = OnceLock::new();
    C.get_or_init(|| {
        let cache = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/rewardsmith-test-cache");
        Compiler::new(CompilerOptions { cache_dir: cache, ..CompilerOptions::default() })
    })
}

/// A compiler that shares the SDK build but never reuses compiled modules: for tests that
/// must really run rustc (timeouts, diagnostics).
pub fn uncached_compiler(timeout: Duration) -> Compiler {
    let options = compiler().options().clone();
    Compiler::new(CompilerOptions { timeout, cache_modules: false, ..options })
}

/// Small limits so hostile modules fail fast: 2M fuel per call plus 20k per transition,
/// 1 s deadline, 16 MiB memory.
pub fn small_limits() -> Limits {
    Limits {
        fuel_base: 2_000_000,
        fuel_per_transition: 20_000,
        deadline: Duration::from_secs(1),
        memory_bytes: 16 << 20,
        ..Limits::default()
    }
}

/// A sandbox with [`small_limits`].
pub fn sandbox() -> Sandbox {
    Sandbox::new(small_limits()).expect("sandbox")
}

/// Compiles (Rust/WAT/wasm by extension) a fixture file to module bytes.
pub fn compile_file(path: &std::path::Path) -> Vec<u8> {
    let src = Source::from_path(path).expect("read source");
    compiler().compile(&src).unwrap_or_else(|e| panic!("{} did not compile: {e}", path.display())).wasm
}

/// Compiles Rust reward source to module bytes.
pub fn compile_rust(src: &str) -> Result<Vec<u8>, rewardsmith::compiler::CompileError> {
    compiler().compile(&Source::rust(src)).map(|c| c.wasm)
}

/// Loads and instantiates module bytes for `env`.
pub fn instantiate(sandbox: &Sandbox, wasm: &[u8], env: &str) -> Result<RewardInstance, RewardError> {
    let module = sandbox.load(wasm)?;
    sandbox.instantiate(&module, env)
}

/// Runs `wasm` on `n` seeded transitions of `env`, returning the first error.
pub fn run(sandbox: &Sandbox, wasm: &[u8], env: &str, n: usize) -> Result<(Vec<f32>, Vec<f32>), RewardError> {
    let mut inst = instantiate(sandbox, wasm, env)?;
    let layout = rewardsmith_guest::envs::find(env).expect("env");
    let data = rewardsmith::transitions::sample(layout, n, 1);
    let r = inst.run_batch(&data)?;
    Ok((r.totals.to_vec(), r.terms.to_vec()))
}

/// The reference computation of `fixtures/cartpole_upright.wat` on one transition.
pub fn cartpole_upright_reference(transition: &[f32]) -> (f32, f32, f32) {
    let layout = rewardsmith_guest::envs::find("cartpole").expect("env");
    let (_, _, next) = layout.split_transition(transition);
    let upright = 1.0 - next[2].abs() / 0.2095;
    let centred = -0.1 * (next[0] * next[0]);
    (upright + centred, upright, centred)
}

/// Asserts the sandbox still runs the hand-written WAT reward correctly, bit for bit: what
/// every hostile test checks after its module failed.
pub fn assert_host_fine(sandbox: &Sandbox) {
    let wasm = wat::parse_file(fixture("cartpole_upright.wat")).expect("fixture parses");
    let layout = rewardsmith_guest::envs::find("cartpole").expect("env");
    let data = rewardsmith::transitions::sample(layout, 64, 3);
    let mut inst = instantiate(sandbox, &wasm, "cartpole").expect("good reward instantiates");
    let r = inst.run_batch(&data).expect("good reward runs");
    for (i, tr) in data.chunks(layout.transition_len()).enumerate() {
        let (total, upright, centred) = cartpole_upright_reference(tr);
        assert_eq!(r.totals[i].to_bits(), total.to_bits(), "transition {i}");
        assert_eq!(r.terms[2 * i].to_bits(), upright.to_bits());
        assert_eq!(r.terms[2 * i + 1].to_bits(), centred.to_bits());
    }
}

/// Parts of a reward module in WAT; the default is a valid cartpole reward returning 0.
#[derive(Clone, Debug)]
pub struct Wat {
    pub memory: String,
    pub abi_version: i32,
    pub env_id: String,
    pub layout: (u32, u32),
    /// Body of `rewardsmith_run (param $n i32) (result i32)`.
    pub run_body: String,
    /// Imports (they must precede functions in the text).
    pub imports: String,
    /// Extra module fields (functions, tables, a start function, ...).
    pub extra: String,
    /// Exports to leave out.
    pub omit: Vec<&'static str>,
}

impl Default for Wat {
    fn default() -> Self {
        Wat {
            memory: "(memory (export \"memory\") 2)".into(),
            abi_version: 1,
            env_id: "cartpole-v0".into(),
            layout: (5, 1),
            run_body: "(i32.const 4096)".into(),
            imports: String::new(),
            extra: String::new(),
            omit: Vec::new(),
        }
    }
}

impl Wat {
    /// The module text.
    pub fn text(&self) -> String {
        let id = &self.env_id;
        let packed_id = ((id.len() as u64) << 32) | 16;
        let packed_layout = ((self.layout.1 as u64) << 32) | self.layout.0 as u64;
        let funcs = [
            ("rewardsmith_abi_version", format!("(result i32) (i32.const {})", self.abi_version)),
            ("rewardsmith_env_id", format!("(result i64) (i64.const {packed_id})")),
            ("rewardsmith_layout", format!("(result i64) (i64.const {packed_layout})")),
            ("rewardsmith_input", "(param $n i32) (result i32) (i32.const 8192)".into()),
            ("rewardsmith_run", format!("(param $n i32) (result i32) {}", self.run_body)),
            ("rewardsmith_term_count", "(result i32) (i32.const 0)".into()),
            ("rewardsmith_term_name", "(param i32) (result i64) (i64.const 0)".into()),
            ("rewardsmith_panic_message", "(result i64) (i64.const 0)".into()),
        ];
        let mut out = format!("(module\n  {}\n  {}\n  (data (i32.const 16) {:?})\n", self.imports, self.memory, id);
        for (name, body) in funcs {
            if !self.omit.contains(&name) {
                out.push_str(&format!("  (func (export \"{name}\") {body})\n"));
            }
        }
        out.push_str(&self.extra);
        out.push_str("\n)\n");
        out
    }

    /// The module bytes.
    pub fn wasm(&self) -> Vec<u8> {
        wat::parse_str(self.text()).unwrap_or_else(|e| panic!("template WAT invalid: {e}\n{}", self.text()))
    }
}

pub mod browser;
pub mod scripted_llm;
