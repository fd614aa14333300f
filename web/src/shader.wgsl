// Lit bodies on a checkered ground. Colours arrive linear; lighting is done in linear space
// and encoded to sRGB here when the surface format does not do it (params.x = 1).

struct Globals {
    view_proj: mat4x4<f32>,
    eye: vec4<f32>,
    // Direction towards the light (unit).
    light: vec4<f32>,
    // Linear sky colour: the clear colour and what the ground fades into.
    sky: vec4<f32>,
    // xyz: the camera target (the ground's centre); w: distance at which the ground has faded out.
    focus: vec4<f32>,
    // x: encode sRGB in the shader; y: checker tile size, metres.
    params: vec4<f32>,
};

@group(0) @binding(0) var<uniform> g: Globals;

struct VsIn {
    @location(0) position: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) m0: vec4<f32>,
    @location(3) m1: vec4<f32>,
    @location(4) m2: vec4<f32>,
    @location(5) m3: vec4<f32>,
    @location(6) color: vec4<f32>,
};

struct VsOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) world: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) color: vec4<f32>,
};

@vertex
fn vs_main(v: VsIn) -> VsOut {
    let model = mat4x4<f32>(v.m0, v.m1, v.m2, v.m3);
    let world = model * vec4<f32>(v.position, 1.0);
    var out: VsOut;
    out.clip = g.view_proj * world;
    out.world = world.xyz;
    // Models are rigid (rotation + translation), so the model matrix also turns normals.
    out.normal = (model * vec4<f32>(v.normal, 0.0)).xyz;
    out.color = v.color;
    return out;
}

fn to_srgb(c: vec3<f32>) -> vec3<f32> {
    let lo = c * 12.92;
    let hi = 1.055 * pow(max(c, vec3<f32>(0.0031308)), vec3<f32>(1.0 / 2.4)) - 0.055;
    return select(hi, lo, c <= vec3<f32>(0.0031308));
}

@fragment
fn fs_main(i: VsOut) -> @location(0) vec4<f32> {
    let n = normalize(i.normal);
    let l = g.light.xyz;
    var base = i.color.rgb;
    var fade = 0.0;
    if (i.color.a < 0.5) {
        // Ground: checker tiles fixed in the world, fading into the sky far from the target.
        let cell = floor(i.world.xy / g.params.y);
        let odd = abs(cell.x + cell.y) % 2.0;
        base = base * (1.0 - 0.12 * odd);
        fade = smoothstep(0.35 * g.focus.w, g.focus.w, distance(i.world.xy, g.focus.xy));
    }
    let diffuse = max(dot(n, l), 0.0);
    // Hemisphere ambient: sky from above, warm bounce from below.
    let ambient = mix(vec3<f32>(0.10, 0.09, 0.08), vec3<f32>(0.30, 0.32, 0.36), 0.5 + 0.5 * n.z);
    let v = normalize(g.eye.xyz - i.world);
    let h = normalize(l + v);
    let specular = select(0.0, 0.2 * pow(max(dot(n, h), 0.0), 40.0), diffuse > 0.0 && i.color.a > 0.5);
    var c = base * (ambient + 0.8 * diffuse) + vec3<f32>(specular);
    c = mix(c, g.sky.rgb, fade);
    if (g.params.x > 0.5) {
        c = to_srgb(c);
    }
    return vec4<f32>(c, 1.0);
}
