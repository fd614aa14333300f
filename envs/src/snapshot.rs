//! Render snapshots: every body's pose and shape, enough to draw a frame.

use serde::Serialize;

/// The shape of a body, in its own frame (metres).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Shape {
    /// Box with half-extents along x, y, z.
    Cuboid { half: [f32; 3] },
    /// Sphere.
    Ball { radius: f32 },
    /// Capsule along the local z axis: cylinder of `half_height` plus hemispheres.
    Capsule { half_height: f32, radius: f32 },
    /// Cylinder along the local z axis.
    Cylinder { half_height: f32, radius: f32 },
}

/// One body at one instant.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Body {
    /// What it is ("cart", "pole", "ground", ...).
    pub name: &'static str,
    pub shape: Shape,
    /// World position of its centre, metres.
    pub position: [f32; 3],
    /// World orientation as a unit quaternion `[w, x, y, z]`.
    pub rotation: [f32; 4],
    /// Display colour, sRGB `[r, g, b]` in 0..1.
    pub color: [f32; 3],
}

/// Every body of an env at one instant; the world is z-up, metres.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Snapshot {
    pub bodies: Vec<Body>,
}
