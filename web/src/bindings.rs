//! The JavaScript API of the simulation (wasm32 only): [`Demo`] wraps [`Player`] and turns
//! its errors into JS exceptions. Seeds are `u64` (`BigInt` in JS), as natively.

use rewardsmith_envs::{Shape, registry};
use wasm_bindgen::prelude::*;

use crate::player::Player;

/// Panics reach the browser console with their message instead of `unreachable`.
#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

/// Every registered env id, in registry order.
#[wasm_bindgen(js_name = envIds)]
pub fn env_ids() -> Vec<String> {
    registry::ids().into_iter().map(String::from).collect()
}

/// A registered env driven by a trained policy (see `Player` in the Rust docs).
#[wasm_bindgen]
#[derive(Debug)]
pub struct Demo {
    player: Player,
}

fn js(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

/// Floats per body in [`Demo::bodies`].
const BODY_FLOATS: usize = 14;

#[wasm_bindgen]
impl Demo {
    /// Loads `policy` (the bytes of a run's `policy.safetensors`) for `env_id` and resets
    /// with `seed`. Throws on an unknown env, a bad file, or a policy for other spaces.
    #[wasm_bindgen(constructor)]
    pub fn new(env_id: &str, policy: &[u8], seed: u64) -> Result<Demo, JsError> {
        Ok(Demo { player: Player::new(env_id, policy, seed).map_err(js)? })
    }

    /// Starts a new episode from `seed`.
    pub fn reset(&mut self, seed: u64) {
        self.player.reset(seed);
    }

    /// One control step; `true` when the episode ended with it. Throws after the end.
    pub fn step(&mut self) -> Result<bool, JsError> {
        self.player.step().map_err(js)
    }

    /// The last step's `state, action, next_state` (what the reward program reads);
    /// empty right after a reset.
    pub fn transition(&self) -> Vec<f32> {
        self.player.transition().to_vec()
    }

    /// The policy observation now.
    pub fn obs(&self) -> Vec<f32> {
        self.player.obs().to_vec()
    }

    /// The SDK state now.
    pub fn state(&self) -> Vec<f32> {
        self.player.state().to_vec()
    }

    /// The last action (zeros after a reset).
    pub fn action(&self) -> Vec<f32> {
        self.player.action().to_vec()
    }

    /// The episode's task fitness so far.
    pub fn fitness(&self) -> f32 {
        self.player.fitness()
    }

    #[wasm_bindgen(js_name = stepCount)]
    pub fn step_count(&self) -> u32 {
        self.player.step_count()
    }

    /// Seconds per step.
    #[wasm_bindgen(js_name = controlDt)]
    pub fn control_dt(&self) -> f32 {
        self.player.control_dt()
    }

    pub fn terminated(&self) -> bool {
        self.player.terminated()
    }

    pub fn truncated(&self) -> bool {
        self.player.truncated()
    }

    pub fn done(&self) -> bool {
        self.player.done()
    }

    #[wasm_bindgen(js_name = stateLen)]
    pub fn state_len(&self) -> usize {
        self.player.state_len()
    }

    #[wasm_bindgen(js_name = actionLen)]
    pub fn action_len(&self) -> usize {
        self.player.action_len()
    }

    /// The versioned env id.
    #[wasm_bindgen(js_name = envId)]
    pub fn env_id(&self) -> String {
        self.player.env_id().into()
    }

    /// The current episode's seed.
    pub fn seed(&self) -> u64 {
        self.player.seed()
    }

    /// Body names, in [`Demo::bodies`] order.
    #[wasm_bindgen(js_name = bodyNames)]
    pub fn body_names(&self) -> Vec<String> {
        self.player.snapshot().bodies.iter().map(|b| b.name.to_owned()).collect()
    }

    /// Every body now, 14 floats each: shape kind (0 cuboid, 1 ball, 2 capsule,
    /// 3 cylinder), three shape sizes (half-extents; radius; half-height and radius),
    /// position xyz (m), rotation wxyz, sRGB colour.
    pub fn bodies(&self) -> Vec<f32> {
        let snap = self.player.snapshot();
        let mut out = Vec::with_capacity(snap.bodies.len() * BODY_FLOATS);
        for b in &snap.bodies {
            let (kind, size) = match b.shape {
                Shape::Cuboid { half } => (0.0, half),
                Shape::Ball { radius } => (1.0, [radius, 0.0, 0.0]),
                Shape::Capsule { half_height, radius } => (2.0, [half_height, radius, 0.0]),
                Shape::Cylinder { half_height, radius } => (3.0, [half_height, radius, 0.0]),
            };
            out.push(kind);
            out.extend(size);
            out.extend(b.position);
            out.extend(b.rotation);
            out.extend(b.color);
        }
        out
    }
}

impl Demo {
    pub(crate) fn player(&self) -> &Player {
        &self.player
    }
}
