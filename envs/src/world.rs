//! A small wrapper over rapier's `PhysicsWorld` shared by the envs: z-up gravity, a fixed
//! control rate split into physics substeps, and pose helpers. Worlds are rebuilt on every
//! reset, so no solver state survives from one episode to the next (determinism).

use rapier3d::prelude::*;

use crate::snapshot::{Body, Shape};

/// Standard gravity, m/s², along −z.
pub const GRAVITY: f32 = 9.81;

/// A physics world stepped at `control_dt / substeps`.
pub struct World {
    pub physics: PhysicsWorld,
    substeps: u32,
}

impl World {
    /// An empty world: gravity −z, `substeps` physics steps per control step of `control_dt` s.
    pub fn new(control_dt: f32, substeps: u32) -> World {
        let mut physics = PhysicsWorld::new();
        physics.gravity = Vector::new(0.0, 0.0, -GRAVITY);
        physics.integration_parameters.dt = control_dt / substeps as f32;
        World { physics, substeps }
    }

    /// One control step.
    pub fn step(&mut self) {
        for _ in 0..self.substeps {
            self.physics.step();
        }
    }

    /// Sets the generalized coordinates and velocities of a multibody's joints below its
    /// root (in the order the joints were added, one entry per degree of freedom) and moves
    /// its bodies there. A multibody ignores body poses set before its joints were added.
    pub fn set_multibody(&mut self, joint: MultibodyJointHandle, coords: &[f32], velocities: &[f32]) {
        let p = &mut self.physics;
        let (mb, _) = p.multibody_joints.get_mut(joint).expect("multibody joint exists");
        let root = mb.links().next().map_or(0, |l| l.joint().ndofs());
        let mut disp = vec![0.0; mb.ndofs()];
        disp[root..].copy_from_slice(coords);
        mb.apply_displacements(&disp);
        mb.generalized_velocity_mut().as_mut_slice()[root..].copy_from_slice(velocities);
        mb.forward_kinematics(&p.bodies, true);
        mb.update_rigid_bodies(&mut p.bodies, true);
    }

    /// The body behind `h`.
    pub fn body(&self, h: RigidBodyHandle) -> &RigidBody {
        &self.physics.bodies[h]
    }

    /// The body behind `h`, mutably.
    pub fn body_mut(&mut self, h: RigidBodyHandle) -> &mut RigidBody {
        &mut self.physics.bodies[h]
    }

    /// A snapshot entry for the body behind `h`.
    pub fn snap(&self, h: RigidBodyHandle, name: &'static str, shape: Shape, color: [f32; 3]) -> Body {
        let b = self.body(h);
        let t = b.translation();
        let q = b.rotation();
        Body { name, shape, position: [t.x, t.y, t.z], rotation: [q.w, q.x, q.y, q.z], color }
    }
}

impl std::fmt::Debug for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("World").field("bodies", &self.physics.bodies.len()).field("substeps", &self.substeps).finish()
    }
}

/// Rotation angle about +y of a quaternion that rotates (mostly) about y: positive tilts
/// +z towards +x.
pub fn angle_about_y(q: &Rotation) -> f32 {
    // The body's z axis in world coordinates, projected on the x–z plane.
    let z = *q * Vector::Z;
    libm::atan2f(z.x, z.z)
}
