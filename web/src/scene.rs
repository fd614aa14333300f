//! What the renderer draws, computed without a GPU: one mesh per body plus a ground plane,
//! per-frame instance data (pose and colour) and an orbit camera that frames the bodies.
//! The world is z-up, in metres, as in [`rewardsmith_envs::Snapshot`].

use std::ops::Range;

use bytemuck::{Pod, Zeroable};
use glam::{Mat3, Mat4, Quat, Vec3};
use rewardsmith_envs::{Body, Shape, Snapshot};

use crate::mesh::{self, Vertex};

/// Per-body data for one frame: a rigid model matrix (column-major) and a linear colour
/// whose alpha selects the material (1 = plain, 0 = the checkered ground).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct Instance {
    pub model: [[f32; 4]; 4],
    pub color: [f32; 4],
}

/// The meshes of one env's bodies (shapes never change within an env) and the ground.
#[derive(Clone, Debug)]
pub struct Scene {
    /// Every body's triangles, then the ground's.
    pub vertices: Vec<Vertex>,
    /// Vertex range of body `i`; the last range is the ground's.
    pub ranges: Vec<Range<u32>>,
    shapes: Vec<Shape>,
    /// Height of the ground plane: the lowest point of the first snapshot, or 0 if lower.
    pub ground_z: f32,
    /// Half-size of the ground square, metres (it follows the camera target).
    pub ground_half: f32,
    /// Size of a ground checker tile, metres.
    pub tile: f32,
}

/// The sky colour, sRGB (also where the ground fades to).
pub const SKY: [f32; 3] = [0.90, 0.93, 0.97];
const GROUND: [f32; 3] = [0.72, 0.72, 0.70];

impl Scene {
    /// Meshes for the bodies of `snapshot`, with the ground under its lowest point.
    pub fn new(snapshot: &Snapshot) -> Scene {
        let mut vertices = Vec::new();
        let mut ranges = Vec::new();
        let mut push = |f: &mut dyn FnMut(&mut Vec<Vertex>)| {
            let start = vertices.len() as u32;
            f(&mut vertices);
            ranges.push(start..vertices.len() as u32);
        };
        for body in &snapshot.bodies {
            push(&mut |v| mesh::push_shape(&body.shape, v));
        }
        let (lo, hi) = bounds(snapshot);
        let radius = scene_radius(lo, hi);
        let ground_half = (radius * 25.0).max(5.0);
        push(&mut |v| mesh::push_ground(ground_half, v));
        Scene {
            vertices,
            ranges,
            shapes: snapshot.bodies.iter().map(|b| b.shape).collect(),
            ground_z: lo.z.min(0.0),
            ground_half,
            tile: nice_length(radius * 0.8),
        }
    }

    /// Whether `snapshot` has the bodies these meshes were built for.
    pub fn fits(&self, snapshot: &Snapshot) -> bool {
        snapshot.bodies.len() == self.shapes.len()
            && snapshot.bodies.iter().zip(&self.shapes).all(|(b, s)| b.shape == *s)
    }

    /// Instance data for every body of `snapshot`, then the ground (centred under `target`).
    pub fn instances(&self, snapshot: &Snapshot, target: Vec3, out: &mut Vec<Instance>) {
        out.clear();
        out.extend(
            snapshot.bodies.iter().map(|b| Instance { model: pose(b).to_cols_array_2d(), color: linear(b.color, 1.0) }),
        );
        out.push(Instance {
            model: Mat4::from_translation(Vec3::new(target.x, target.y, self.ground_z)).to_cols_array_2d(),
            color: linear(GROUND, 0.0),
        });
    }
}

/// sRGB → linear (the shader lights in linear space).
pub fn linear(srgb: [f32; 3], alpha: f32) -> [f32; 4] {
    let f = |c: f32| if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) };
    [f(srgb[0]), f(srgb[1]), f(srgb[2]), alpha]
}

fn rotation(body: &Body) -> Quat {
    let [w, x, y, z] = body.rotation;
    Quat::from_xyzw(x, y, z, w).normalize()
}

fn pose(body: &Body) -> Mat4 {
    Mat4::from_rotation_translation(rotation(body), Vec3::from(body.position))
}

/// Half-extents of a body's world-aligned bounding box.
fn half_extent(body: &Body) -> Vec3 {
    let r = Mat3::from_quat(rotation(body));
    let abs = Mat3::from_cols(r.x_axis.abs(), r.y_axis.abs(), r.z_axis.abs());
    match body.shape {
        Shape::Cuboid { half } => abs * Vec3::from(half),
        Shape::Ball { radius } => Vec3::splat(radius),
        Shape::Capsule { half_height, radius } | Shape::Cylinder { half_height, radius } => {
            abs.z_axis * half_height + Vec3::splat(radius)
        }
    }
}

/// The world bounding box of every body (a small box at the origin when there are none).
pub fn bounds(snapshot: &Snapshot) -> (Vec3, Vec3) {
    if snapshot.bodies.is_empty() {
        return (Vec3::splat(-0.5), Vec3::splat(0.5));
    }
    snapshot.bodies.iter().fold((Vec3::splat(f32::MAX), Vec3::splat(f32::MIN)), |(lo, hi), b| {
        let (c, h) = (Vec3::from(b.position), half_extent(b));
        (lo.min(c - h), hi.max(c + h))
    })
}

fn scene_radius(lo: Vec3, hi: Vec3) -> f32 {
    ((hi - lo).length() * 0.5).max(0.05)
}

/// The 1, 2, 5 × 10^k length nearest to `x` (in log scale).
fn nice_length(x: f32) -> f32 {
    let p = 10f32.powf(x.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .min_by(|a, b| (a / x).ln().abs().total_cmp(&(b / x).ln().abs()))
        .unwrap_or(1.0)
}

/// A camera orbiting a target point: drag to change yaw and pitch, wheel to change distance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OrbitCamera {
    pub target: Vec3,
    /// Azimuth of the eye around the target, radians from +x towards +y.
    pub yaw: f32,
    /// Elevation of the eye above the target's horizontal plane, radians.
    pub pitch: f32,
    /// Eye-to-target distance, metres.
    pub distance: f32,
    /// Vertical field of view, radians.
    pub fov_y: f32,
    /// Radius of the framed bodies, metres: the follow dead zone and zoom limits scale with it.
    pub radius: f32,
}

impl OrbitCamera {
    /// A camera that shows every body of `snapshot` in a view of `aspect` (width / height),
    /// from the front (−y) and a little to the side; from higher up when the scene is flat.
    pub fn framing(snapshot: &Snapshot, aspect: f32) -> OrbitCamera {
        let (lo, hi) = bounds(snapshot);
        let size = hi - lo;
        let radius = scene_radius(lo, hi);
        let fov_y = 45f32.to_radians();
        let fov_x = 2.0 * ((fov_y * 0.5).tan() * aspect.max(0.1)).atan();
        let half_fov = 0.5 * fov_y.min(fov_x);
        let flat = size.z < 0.3 * size.x.max(size.y);
        OrbitCamera {
            target: (lo + hi) * 0.5,
            yaw: -std::f32::consts::FRAC_PI_2 + 0.45,
            pitch: if flat { 0.95 } else { 0.3 },
            distance: radius / half_fov.sin() * 1.05,
            fov_y,
            radius,
        }
    }

    /// Rotates by a mouse drag of `dx`, `dy` pixels.
    pub fn orbit(&mut self, dx: f32, dy: f32) {
        self.yaw -= dx * 0.008;
        self.pitch = (self.pitch + dy * 0.008).clamp(-0.2, 1.5);
    }

    /// Multiplies the distance by `factor` (> 1 zooms out), within sensible limits.
    pub fn zoom(&mut self, factor: f32) {
        if factor.is_finite() && factor > 0.0 {
            self.distance = (self.distance * factor).clamp(self.radius * 0.3, self.radius * 40.0);
        }
    }

    /// Moves the target horizontally just enough that the bodies' centre stays within half
    /// a radius of it, so a walking or sliding body stays in view while small motions
    /// (a swinging arm) leave the camera still.
    pub fn follow(&mut self, snapshot: &Snapshot) {
        if snapshot.bodies.is_empty() {
            return;
        }
        let (lo, hi) = bounds(snapshot);
        let centre = (lo + hi) * 0.5;
        let mut off = centre - self.target;
        off.z = 0.0;
        let dead = 0.5 * self.radius;
        if off.length() > dead {
            self.target += off - off.normalize() * dead;
        }
    }

    /// Where the eye is.
    pub fn eye(&self) -> Vec3 {
        let (sp, cp) = self.pitch.sin_cos();
        let (sy, cy) = self.yaw.sin_cos();
        self.target + Vec3::new(cp * cy, cp * sy, sp) * self.distance
    }

    /// Projection × view for a view of `aspect` (WebGPU clip space, depth 0..1; wgpu
    /// converts for WebGL).
    pub fn view_proj(&self, aspect: f32) -> Mat4 {
        let near = (self.distance * 0.01).max(1e-3);
        let far = self.distance * 4.0 + self.radius * 60.0;
        let proj = glam::camera::rh::proj::directx::perspective(self.fov_y, aspect.max(0.01), near, far);
        proj * glam::camera::rh::view::look_at_mat4(self.eye(), self.target, Vec3::Z)
    }

    /// A light from above, behind the viewer's left shoulder (so visible faces are lit).
    pub fn light_dir(&self) -> Vec3 {
        let (sy, cy) = (self.yaw + 0.6).sin_cos();
        Vec3::new(cy, sy, 1.6).normalize()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use glam::Vec4Swizzles;

    fn snapshots() -> Vec<(&'static str, Snapshot)> {
        rewardsmith_envs::registry()
            .iter()
            .map(|r| {
                let mut env = r.make();
                env.reset(0);
                (r.spec.id, env.snapshot())
            })
            .collect()
    }

    #[test]
    fn framing_shows_every_body_of_every_env() {
        for aspect in [0.6, 1.0, 16.0 / 9.0] {
            for (id, snap) in snapshots() {
                let cam = OrbitCamera::framing(&snap, aspect);
                let vp = cam.view_proj(aspect);
                for b in &snap.bodies {
                    let clip = vp * Vec3::from(b.position).extend(1.0);
                    let ndc = clip.xyz() / clip.w;
                    assert!(
                        clip.w > 0.0 && ndc.x.abs() < 1.0 && ndc.y.abs() < 1.0,
                        "{id}: {} at {ndc} (aspect {aspect})",
                        b.name
                    );
                    assert!((0.0..1.0).contains(&ndc.z), "{id}: {} depth {}", b.name, ndc.z);
                }
            }
        }
    }

    #[test]
    fn ground_is_under_every_body() {
        for (id, snap) in snapshots() {
            let scene = Scene::new(&snap);
            let (lo, _) = bounds(&snap);
            assert!(scene.ground_z <= lo.z && scene.ground_z <= 0.0, "{id}");
            assert_eq!(scene.ranges.len(), snap.bodies.len() + 1, "{id}");
            assert!(scene.fits(&snap));
            let mut inst = Vec::new();
            scene.instances(&snap, Vec3::ZERO, &mut inst);
            assert_eq!(inst.len(), scene.ranges.len());
        }
    }

    #[test]
    fn follow_keeps_a_moving_body_near_the_target() {
        let (_, mut snap) = snapshots().into_iter().next().expect("cartpole is registered");
        let mut cam = OrbitCamera::framing(&snap, 1.0);
        let start = cam.target;
        cam.follow(&snap);
        assert_eq!(cam.target, start, "no motion, no camera motion");
        for b in &mut snap.bodies {
            b.position[0] += 3.0;
        }
        cam.follow(&snap);
        assert!((cam.target.x - start.x - 3.0).abs() <= 0.5 * cam.radius + 1e-4);
        assert_eq!(cam.target.z, start.z);
    }

    #[test]
    fn nice_lengths() {
        for (x, nice) in [(0.48, 0.5), (0.17, 0.2), (1.2, 1.0), (3.0, 2.0), (4.0, 5.0)] {
            assert!((nice_length(x) - nice).abs() < 1e-6, "{x} → {}", nice_length(x));
        }
    }
}
