//! rewardsmith's cross-crate integration tests, one module per feature (one binary, as
//! wasmtime does). Hostile modules are inline WAT next to the tests that run them.

mod abi_wat_guest;
mod best_checkpoint;
mod bridge;
mod browser_demo;
mod browser_playground;
mod check_examples;
mod compile_attacks;
mod compiler;
mod determinism;
mod envs_wasm;
mod evolve;
mod executor;
mod hostile_load;
mod hostile_run;
mod isolation;
mod llm;
mod llm_corpus;
mod offline;
mod rust_guests;
mod schema;
mod schema_evolve;
mod store;
mod train;
