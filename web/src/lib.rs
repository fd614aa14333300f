//! The browser runtime: runs a registered env with a trained policy in a web page and
//! draws it with wgpu (WebGPU where available, WebGL2 otherwise).
//!
//! - [`Player`]: the simulation, plain Rust. It steps exactly as the native reference
//!   (`rewardsmith rollout`) does, so the page's trajectory equals the native one bit for
//!   bit; the page computes rewards by running the run's `reward.wasm` on
//!   [`Player::transition`].
//! - [`Scene`] and [`OrbitCamera`]: meshes, instance data and camera maths, also plain Rust.
//! - On wasm32 only: the JavaScript API (`Demo`, `Renderer`), built with wasm-bindgen.
//!
//! Build with `web/build.sh`; the page and its test hooks are described in `web/README.md`.

mod error;
pub mod mesh;
mod player;
mod scene;

#[cfg(target_arch = "wasm32")]
mod bindings;
#[cfg(target_arch = "wasm32")]
mod renderer;

pub use error::DemoError;
pub use player::Player;
pub use scene::{Instance, OrbitCamera, SKY, Scene, bounds, linear};
