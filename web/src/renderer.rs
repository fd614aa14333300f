//! [`Renderer`]: draws a [`Demo`]'s bodies into a canvas with wgpu (wasm32 only).
//! WebGPU or WebGL2, chosen by the caller or automatically; one pipeline, one draw per body.

use std::sync::{Arc, Mutex};

use bytemuck::{Pod, Zeroable};
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;
use wgpu::util::DeviceExt;

use crate::bindings::Demo;
use crate::mesh::Vertex;
use crate::scene::{Instance, OrbitCamera, SKY, Scene, linear};

const DEPTH: wgpu::TextureFormat = wgpu::TextureFormat::Depth32Float;
const INSTANCE_SIZE: u64 = std::mem::size_of::<Instance>() as u64;

/// The shader's uniform block (see `shader.wgsl`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
struct Globals {
    view_proj: [[f32; 4]; 4],
    eye: [f32; 4],
    light: [f32; 4],
    sky: [f32; 4],
    focus: [f32; 4],
    params: [f32; 4],
}

/// Draws demos into one canvas.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Renderer {
    surface: wgpu::Surface<'static>,
    device: wgpu::Device,
    queue: wgpu::Queue,
    config: wgpu::SurfaceConfiguration,
    pipeline: wgpu::RenderPipeline,
    globals: wgpu::Buffer,
    bind_group: wgpu::BindGroup,
    sample_count: u32,
    depth: wgpu::TextureView,
    msaa: Option<wgpu::TextureView>,
    /// Meshes of the current env and their GPU copy.
    scene: Option<(Scene, wgpu::Buffer)>,
    instances: Vec<Instance>,
    instance_buf: Option<wgpu::Buffer>,
    camera: Option<OrbitCamera>,
    backend: &'static str,
    adapter: String,
    /// The surface stores raw values, so the shader encodes sRGB itself.
    encode_srgb: bool,
    /// The first GPU error reported outside an error scope; `draw` then throws it. (wgpu's
    /// default handler panics, which would leave the page without a message.)
    gpu_error: Arc<Mutex<Option<String>>>,
}

fn js(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

#[wasm_bindgen]
impl Renderer {
    /// A renderer for `canvas` (sized by its `width`/`height` attributes). `backend` is
    /// `"auto"` (WebGPU when the browser can give an adapter, else WebGL2), `"webgpu"` or
    /// `"webgl"`; forcing one that is unavailable throws.
    pub async fn create(canvas: HtmlCanvasElement, backend: String) -> Result<Renderer, JsError> {
        let backends = match backend.as_str() {
            "auto" => wgpu::Backends::BROWSER_WEBGPU | wgpu::Backends::GL,
            "webgpu" => wgpu::Backends::BROWSER_WEBGPU,
            "webgl" => wgpu::Backends::GL,
            other => return Err(JsError::new(&format!("unknown backend `{other}`; use auto, webgpu or webgl"))),
        };
        if backend == "webgpu" && !wgpu::util::is_browser_webgpu_supported().await {
            return Err(JsError::new("WebGPU is not available in this browser; try backend=webgl"));
        }
        let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
        desc.backends = backends;
        // With BROWSER_WEBGPU set, wgpu only tries WebGPU when `navigator.gpu` exists; this
        // also checks that an adapter can be had, and falls back to WebGL2 otherwise.
        let instance = wgpu::util::new_instance_with_webgpu_detection(desc).await;
        let (width, height) = (canvas.width().max(1), canvas.height().max(1));
        let surface = instance.create_surface(wgpu::SurfaceTarget::Canvas(canvas)).map_err(js)?;
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions { compatible_surface: Some(&surface), ..Default::default() })
            .await
            .map_err(|e| JsError::new(&format!("no {backend} adapter: {e}")))?;
        let info = adapter.get_info();
        let backend = match info.backend {
            wgpu::Backend::BrowserWebGpu => "webgpu",
            wgpu::Backend::Gl => "webgl",
            _ => "other",
        };
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("rewardsmith"),
                required_limits: wgpu::Limits::downlevel_webgl2_defaults().using_resolution(adapter.limits()),
                ..Default::default()
            })
            .await
            .map_err(js)?;
        let gpu_error = Arc::new(Mutex::new(None::<String>));
        let sink = gpu_error.clone();
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            if let Ok(mut slot) = sink.lock() {
                slot.get_or_insert_with(|| e.to_string());
            }
        }));
        let scope = device.push_error_scope(wgpu::ErrorFilter::Validation);

        let caps = surface.get_capabilities(&adapter);
        let format = *caps.formats.first().ok_or_else(|| JsError::new("the canvas offers no surface format"))?;
        let config = wgpu::SurfaceConfiguration {
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT,
            format,
            color_space: wgpu::SurfaceColorSpace::Auto,
            width,
            height,
            desired_maximum_frame_latency: 2,
            present_mode: caps.present_modes.first().copied().unwrap_or(wgpu::PresentMode::Fifo),
            alpha_mode: caps.alpha_modes.first().copied().unwrap_or(wgpu::CompositeAlphaMode::Auto),
            view_formats: vec![],
        };
        surface.configure(&device, &config);

        let supports4 = |f| adapter.get_texture_format_features(f).flags.sample_count_supported(4);
        let sample_count = if supports4(format) && supports4(DEPTH) { 4 } else { 1 };

        let shader = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("bodies"),
            source: wgpu::ShaderSource::Wgsl(include_str!("shader.wgsl").into()),
        });
        let globals = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("globals"),
            size: std::mem::size_of::<Globals>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("globals"),
            entries: &[wgpu::BindGroupLayoutEntry {
                binding: 0,
                visibility: wgpu::ShaderStages::VERTEX_FRAGMENT,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: false,
                    min_binding_size: None,
                },
                count: None,
            }],
        });
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("globals"),
            layout: &layout,
            entries: &[wgpu::BindGroupEntry { binding: 0, resource: globals.as_entire_binding() }],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("bodies"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let vertex_attrs = wgpu::vertex_attr_array![0 => Float32x3, 1 => Float32x3];
        let instance_attrs =
            wgpu::vertex_attr_array![2 => Float32x4, 3 => Float32x4, 4 => Float32x4, 5 => Float32x4, 6 => Float32x4];
        let pipeline = device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("bodies"),
            layout: Some(&pipeline_layout),
            vertex: wgpu::VertexState {
                module: &shader,
                entry_point: Some("vs_main"),
                compilation_options: Default::default(),
                buffers: &[
                    Some(wgpu::VertexBufferLayout {
                        array_stride: std::mem::size_of::<Vertex>() as u64,
                        step_mode: wgpu::VertexStepMode::Vertex,
                        attributes: &vertex_attrs,
                    }),
                    Some(wgpu::VertexBufferLayout {
                        array_stride: INSTANCE_SIZE,
                        step_mode: wgpu::VertexStepMode::Instance,
                        attributes: &instance_attrs,
                    }),
                ],
            },
            primitive: wgpu::PrimitiveState { cull_mode: Some(wgpu::Face::Back), ..Default::default() },
            depth_stencil: Some(wgpu::DepthStencilState {
                format: DEPTH,
                depth_write_enabled: Some(true),
                depth_compare: Some(wgpu::CompareFunction::Less),
                stencil: Default::default(),
                bias: Default::default(),
            }),
            multisample: wgpu::MultisampleState { count: sample_count, ..Default::default() },
            fragment: Some(wgpu::FragmentState {
                module: &shader,
                entry_point: Some("fs_main"),
                compilation_options: Default::default(),
                targets: &[Some(format.into())],
            }),
            multiview_mask: None,
            cache: None,
        });
        let (depth, msaa) = targets(&device, &config, sample_count);
        if let Some(e) = scope.pop().await {
            return Err(JsError::new(&format!("renderer setup failed on {backend}: {e}")));
        }
        Ok(Renderer {
            surface,
            device,
            queue,
            encode_srgb: !config.format.is_srgb(),
            config,
            pipeline,
            globals,
            bind_group,
            sample_count,
            depth,
            msaa,
            scene: None,
            instances: Vec::new(),
            instance_buf: None,
            camera: None,
            backend,
            adapter: info.name,
            gpu_error,
        })
    }

    /// `"webgpu"` or `"webgl"`: the backend actually in use.
    pub fn backend(&self) -> String {
        self.backend.into()
    }

    /// The adapter's name, as the browser reports it (may be empty).
    pub fn adapter(&self) -> String {
        self.adapter.clone()
    }

    /// MSAA samples per pixel (4 where supported, else 1).
    #[wasm_bindgen(js_name = sampleCount)]
    pub fn sample_count(&self) -> u32 {
        self.sample_count
    }

    /// Resizes the drawing surface (device pixels); call when the canvas size changes.
    pub fn resize(&mut self, width: u32, height: u32) {
        let (width, height) = (width.clamp(1, 8192), height.clamp(1, 8192));
        if (width, height) == (self.config.width, self.config.height) {
            return;
        }
        self.config.width = width;
        self.config.height = height;
        self.surface.configure(&self.device, &self.config);
        (self.depth, self.msaa) = targets(&self.device, &self.config, self.sample_count);
    }

    /// Rotates the camera by a drag of `dx`, `dy` CSS pixels.
    pub fn orbit(&mut self, dx: f32, dy: f32) {
        if let Some(c) = &mut self.camera {
            c.orbit(dx, dy);
        }
    }

    /// Multiplies the camera distance by `factor` (> 1 zooms out).
    pub fn zoom(&mut self, factor: f32) {
        if let Some(c) = &mut self.camera {
            c.zoom(factor);
        }
    }

    /// Frames the bodies again at the next draw (undoes orbiting and zooming).
    pub fn reframe(&mut self) {
        self.camera = None;
    }

    /// Where each body's centre was drawn by the last [`Renderer::draw`], in CSS pixels
    /// from the canvas's top-left corner: `[x0, y0, x1, y1, ...]` in [`Demo::bodies`]
    /// order (NaN for a body behind the camera). Tests use it to look at the pixels where
    /// the agent is.
    pub fn project(&self, demo: &Demo, css_width: f32, css_height: f32) -> Vec<f32> {
        let Some(camera) = &self.camera else { return Vec::new() };
        let aspect = self.config.width as f32 / self.config.height as f32;
        let m = camera.view_proj(aspect);
        let mut out = Vec::new();
        for b in demo.player().snapshot().bodies {
            let clip = m * glam::Vec3::from(b.position).extend(1.0);
            if clip.w <= 0.0 {
                out.extend([f32::NAN, f32::NAN]);
                continue;
            }
            let (x, y) = (clip.x / clip.w, clip.y / clip.w);
            out.push((x * 0.5 + 0.5) * css_width);
            out.push((0.5 - y * 0.5) * css_height);
        }
        out
    }

    /// Draws `demo`'s bodies as they are now.
    pub fn draw(&mut self, demo: &Demo) -> Result<(), JsError> {
        if let Some(e) = self.gpu_error.lock().ok().and_then(|e| e.clone()) {
            return Err(JsError::new(&format!("GPU error: {e}")));
        }
        let snap = demo.player().snapshot();
        let aspect = self.config.width as f32 / self.config.height as f32;
        if !self.scene.as_ref().is_some_and(|(s, _)| s.fits(&snap)) {
            let scene = Scene::new(&snap);
            let buf = self.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("meshes"),
                contents: bytemuck::cast_slice(&scene.vertices),
                usage: wgpu::BufferUsages::VERTEX,
            });
            self.scene = Some((scene, buf));
            self.camera = None;
        }
        let Some((scene, vertices)) = &self.scene else { return Ok(()) };
        let camera = self.camera.get_or_insert_with(|| OrbitCamera::framing(&snap, aspect));
        camera.follow(&snap);
        scene.instances(&snap, camera.target, &mut self.instances);

        let needed = self.instances.len() as u64 * INSTANCE_SIZE;
        if self.instance_buf.as_ref().is_none_or(|b| b.size() < needed) {
            self.instance_buf = Some(self.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("instances"),
                size: needed.max(INSTANCE_SIZE),
                usage: wgpu::BufferUsages::VERTEX | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }));
        }
        let Some(instance_buf) = &self.instance_buf else { return Ok(()) };
        self.queue.write_buffer(instance_buf, 0, bytemuck::cast_slice(&self.instances));
        let sky = linear(SKY, 1.0);
        let t = camera.target;
        let globals = Globals {
            view_proj: camera.view_proj(aspect).to_cols_array_2d(),
            eye: camera.eye().extend(1.0).into(),
            light: camera.light_dir().extend(0.0).into(),
            sky,
            focus: [t.x, t.y, t.z, scene.ground_half],
            params: [if self.encode_srgb { 1.0 } else { 0.0 }, scene.tile, 0.0, 0.0],
        };
        self.queue.write_buffer(&self.globals, 0, bytemuck::bytes_of(&globals));

        let frame = match self.surface.get_current_texture() {
            wgpu::CurrentSurfaceTexture::Success(f) | wgpu::CurrentSurfaceTexture::Suboptimal(f) => f,
            wgpu::CurrentSurfaceTexture::Timeout | wgpu::CurrentSurfaceTexture::Occluded => return Ok(()),
            wgpu::CurrentSurfaceTexture::Outdated | wgpu::CurrentSurfaceTexture::Lost => {
                self.surface.configure(&self.device, &self.config);
                return Ok(());
            }
            wgpu::CurrentSurfaceTexture::Validation => return Err(JsError::new("surface validation error")),
        };
        let view = frame.texture.create_view(&Default::default());
        // The clear colour is stored as given: linear for an sRGB surface, else sRGB.
        let clear = if self.encode_srgb { [SKY[0], SKY[1], SKY[2], 1.0] } else { sky };
        let clear = wgpu::Color { r: clear[0].into(), g: clear[1].into(), b: clear[2].into(), a: 1.0 };
        let mut encoder = self.device.create_command_encoder(&Default::default());
        {
            let (target, resolve) = match &self.msaa {
                Some(m) => (m, Some(&view)),
                None => (&view, None),
            };
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("bodies"),
                color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                    view: target,
                    depth_slice: None,
                    resolve_target: resolve,
                    ops: wgpu::Operations { load: wgpu::LoadOp::Clear(clear), store: wgpu::StoreOp::Store },
                })],
                depth_stencil_attachment: Some(wgpu::RenderPassDepthStencilAttachment {
                    view: &self.depth,
                    depth_ops: Some(wgpu::Operations { load: wgpu::LoadOp::Clear(1.0), store: wgpu::StoreOp::Discard }),
                    stencil_ops: None,
                }),
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            pass.set_pipeline(&self.pipeline);
            pass.set_bind_group(0, &self.bind_group, &[]);
            pass.set_vertex_buffer(0, vertices.slice(..));
            // One instance per draw, bound by offset: WebGL2 has no base-instance draws.
            for (i, range) in scene.ranges.iter().enumerate() {
                let at = i as u64 * INSTANCE_SIZE;
                pass.set_vertex_buffer(1, instance_buf.slice(at..at + INSTANCE_SIZE));
                pass.draw(range.clone(), 0..1);
            }
        }
        self.queue.submit([encoder.finish()]);
        self.queue.present(frame);
        Ok(())
    }
}

/// The depth buffer and, with MSAA, the multisampled colour target, at the surface's size.
fn targets(
    device: &wgpu::Device,
    config: &wgpu::SurfaceConfiguration,
    samples: u32,
) -> (wgpu::TextureView, Option<wgpu::TextureView>) {
    let make = |format, label| {
        device
            .create_texture(&wgpu::TextureDescriptor {
                label: Some(label),
                size: wgpu::Extent3d { width: config.width, height: config.height, depth_or_array_layers: 1 },
                mip_level_count: 1,
                sample_count: samples,
                dimension: wgpu::TextureDimension::D2,
                format,
                usage: wgpu::TextureUsages::RENDER_ATTACHMENT,
                view_formats: &[],
            })
            .create_view(&Default::default())
    };
    let depth = make(DEPTH, "depth");
    let msaa = (samples > 1).then(|| make(config.format, "msaa"));
    (depth, msaa)
}
