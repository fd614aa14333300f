//! Triangle meshes for snapshot shapes, in each body's own frame (metres, z is the axis of
//! capsules and cylinders, as in [`rewardsmith_envs::Shape`]). Flat lists of lit vertices:
//! a few hundred per body, so no index buffers and no sharing between bodies.

use bytemuck::{Pod, Zeroable};
use glam::Vec3;
use rewardsmith_envs::Shape;

/// One vertex: position and unit normal, in the body's frame.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Pod, Zeroable)]
pub struct Vertex {
    pub position: [f32; 3],
    pub normal: [f32; 3],
}

/// Segments around an axis (also twice the latitude rings of a sphere): smooth enough
/// at demo sizes, ~1k vertices per round body.
const SEGMENTS: usize = 24;

/// How much larger than its radius a ball is drawn.
pub const BALL_INFLATE: f32 = 1.01;

/// Appends the triangles of `shape` to `out`.
pub fn push_shape(shape: &Shape, out: &mut Vec<Vertex>) {
    match *shape {
        Shape::Cuboid { half } => push_cuboid(Vec3::from(half), out),
        // 1% larger: balls often sit exactly on a capsule's end (fingertips, joints), and
        // coincident surfaces would flicker between the two colours.
        Shape::Ball { radius } => push_capsule(0.0, radius * BALL_INFLATE, out),
        Shape::Capsule { half_height, radius } => push_capsule(half_height, radius, out),
        Shape::Cylinder { half_height, radius } => push_cylinder(half_height, radius, out),
    }
}

/// A flat square of half-size `half` in the z = 0 plane, facing +z (the ground).
pub fn push_ground(half: f32, out: &mut Vec<Vertex>) {
    let n = [0.0, 0.0, 1.0];
    let c = |x: f32, y: f32| Vertex { position: [x * half, y * half, 0.0], normal: n };
    out.extend([c(-1.0, -1.0), c(1.0, -1.0), c(1.0, 1.0), c(-1.0, -1.0), c(1.0, 1.0), c(-1.0, 1.0)]);
}

fn tri(out: &mut Vec<Vertex>, p: [Vec3; 3], n: [Vec3; 3]) {
    for k in 0..3 {
        out.push(Vertex { position: p[k].into(), normal: n[k].into() });
    }
}

/// Counter-clockwise (seen from outside) quad `a b c d` with one normal per corner.
fn quad(out: &mut Vec<Vertex>, p: [Vec3; 4], n: [Vec3; 4]) {
    tri(out, [p[0], p[1], p[2]], [n[0], n[1], n[2]]);
    tri(out, [p[0], p[2], p[3]], [n[0], n[2], n[3]]);
}

fn push_cuboid(h: Vec3, out: &mut Vec<Vertex>) {
    // Each face: its normal axis and two tangent axes with t × b = n, so corners run
    // counter-clockwise seen from outside.
    for n in [Vec3::X, Vec3::NEG_X, Vec3::Y, Vec3::NEG_Y, Vec3::Z, Vec3::NEG_Z] {
        let t = if n.z.abs() > 0.5 { Vec3::X } else { Vec3::Z.cross(n) };
        let b = n.cross(t);
        let (c, t, b) = (n * h, t * h, b * h);
        quad(out, [c - t - b, c + t - b, c + t + b, c - t + b], [n; 4]);
    }
}

fn ring(i: usize) -> Vec3 {
    let a = std::f32::consts::TAU * i as f32 / SEGMENTS as f32;
    Vec3::new(a.cos(), a.sin(), 0.0)
}

/// A capsule along z (a ball when `half_height` is 0): a sphere split at the equator, its
/// halves moved apart by `2 × half_height` and joined by a cylinder wall.
fn push_capsule(half_height: f32, radius: f32, out: &mut Vec<Vertex>) {
    let rings = SEGMENTS / 2;
    let unit = |lat: usize, lon: usize| {
        let phi = std::f32::consts::PI * (lat as f32 / rings as f32 - 0.5);
        ring(lon) * phi.cos() + Vec3::Z * phi.sin()
    };
    for lat in 0..rings {
        let shift = Vec3::Z * if lat < rings / 2 { -half_height } else { half_height };
        for lon in 0..SEGMENTS {
            let n = [unit(lat, lon), unit(lat, lon + 1), unit(lat + 1, lon + 1), unit(lat + 1, lon)];
            quad(out, n.map(|n| n * radius + shift), n);
        }
    }
    if half_height > 0.0 {
        push_wall(half_height, radius, out);
    }
}

/// The side of a cylinder along z, without caps.
fn push_wall(half_height: f32, radius: f32, out: &mut Vec<Vertex>) {
    let (top, bottom) = (Vec3::Z * half_height, Vec3::NEG_Z * half_height);
    for i in 0..SEGMENTS {
        let (a, b) = (ring(i), ring(i + 1));
        let (ra, rb) = (a * radius, b * radius);
        quad(out, [ra + bottom, rb + bottom, rb + top, ra + top], [a, b, b, a]);
    }
}

fn push_cylinder(half_height: f32, radius: f32, out: &mut Vec<Vertex>) {
    push_wall(half_height, radius, out);
    let (top, bottom) = (Vec3::Z * half_height, Vec3::NEG_Z * half_height);
    for i in 0..SEGMENTS {
        let (ra, rb) = (ring(i) * radius, ring(i + 1) * radius);
        tri(out, [top, ra + top, rb + top], [Vec3::Z; 3]);
        tri(out, [bottom, rb + bottom, ra + bottom], [Vec3::NEG_Z; 3]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mesh(shape: Shape) -> Vec<Vertex> {
        let mut v = Vec::new();
        push_shape(&shape, &mut v);
        v
    }

    fn bounds(v: &[Vertex]) -> (Vec3, Vec3) {
        v.iter().fold((Vec3::splat(f32::MAX), Vec3::splat(f32::MIN)), |(lo, hi), v| {
            (lo.min(v.position.into()), hi.max(v.position.into()))
        })
    }

    /// Every triangle faces outwards: its winding normal agrees with its vertex normals and
    /// points away from the body's centre (all shapes here are convex and centred).
    fn assert_outward(v: &[Vertex]) {
        assert_eq!(v.len() % 3, 0);
        for t in v.chunks(3) {
            let p: Vec<Vec3> = t.iter().map(|v| Vec3::from(v.position)).collect();
            let face = (p[1] - p[0]).cross(p[2] - p[0]);
            if face.length() < 1e-9 {
                continue; // degenerate triangles at the poles are harmless
            }
            let centre = (p[0] + p[1] + p[2]) / 3.0;
            assert!(face.dot(centre) > 0.0, "inward triangle {p:?}");
            for v in t {
                let n = Vec3::from(v.normal);
                assert!((n.length() - 1.0).abs() < 1e-5, "normal {n} is not unit");
                assert!(n.dot(face) > 0.0, "normal {n} disagrees with winding of {p:?}");
            }
        }
    }

    #[test]
    fn shapes_have_their_extents_and_face_outwards() {
        let cases = [
            (Shape::Cuboid { half: [0.2, 0.15, 0.1] }, Vec3::new(0.2, 0.15, 0.1)),
            (Shape::Ball { radius: 0.3 }, Vec3::splat(0.3 * BALL_INFLATE)),
            (Shape::Capsule { half_height: 0.47, radius: 0.03 }, Vec3::new(0.03, 0.03, 0.5)),
            (Shape::Cylinder { half_height: 0.1, radius: 0.5 }, Vec3::new(0.5, 0.5, 0.1)),
        ];
        for (shape, half) in cases {
            let v = mesh(shape);
            let (lo, hi) = bounds(&v);
            assert!(
                (hi - half).abs().max_element() < 1e-5 && (lo + half).abs().max_element() < 1e-5,
                "{shape:?}: {lo} {hi}"
            );
            assert_outward(&v);
        }
    }

    #[test]
    fn ground_faces_up() {
        let mut v = Vec::new();
        push_ground(5.0, &mut v);
        assert_outward(
            &v.iter().map(|v| Vertex { position: [v.position[0], v.position[1], 1.0], ..*v }).collect::<Vec<_>>(),
        );
    }
}
