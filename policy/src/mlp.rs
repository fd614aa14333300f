//! A fully connected tanh MLP over one flat parameter buffer, with batched backprop and
//! safetensors save/load.
//!
//! Parameter layout, layer by layer: weight `[out, in]` row-major, then bias `[out]`
//! (PyTorch's `nn.Linear` layout, so files map one-to-one onto state dicts).

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::RngCore;
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensorError, SafeTensors};

use super::gaussian::standard_normal;
use super::kernels;

/// What went wrong building, saving or loading a network.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// Layer sizes need an input and an output size, none of them zero.
    #[error("layer sizes {sizes:?}: need at least [input, output], every size above zero")]
    BadSizes { sizes: Vec<usize> },
    /// A parameter buffer does not fit the layer sizes.
    #[error("{got} parameters given; layer sizes {sizes:?} take {expected}")]
    ParamCount { sizes: Vec<usize>, expected: usize, got: usize },
    /// The bytes are not a valid safetensors buffer (or a tensor's data doesn't fit its shape).
    #[error("safetensors: {0}")]
    Format(#[from] SafeTensorError),
    /// A tensor the network needs is not in the file.
    #[error("tensor `{name}` is missing")]
    MissingTensor { name: String },
    /// A tensor has a different shape than the network's layer.
    #[error("tensor `{name}` has shape {got:?}; the network expects {expected:?}")]
    ShapeMismatch { name: String, expected: Vec<usize>, got: Vec<usize> },
    /// Only f32 tensors are supported.
    #[error("tensor `{name}` is {dtype}; only F32 is supported")]
    Dtype { name: String, dtype: String },
    /// A loaded value is NaN or infinite.
    #[error("tensor `{name}` element {index} is {value}; weights must be finite")]
    NonFinite { name: String, index: usize, value: f32 },
}

/// How [`Mlp::new`] draws the initial weights.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Init {
    /// Orthogonal weights scaled by a gain, zero biases (CleanRL's `layer_init`).
    Orthogonal { hidden_gain: f32, output_gain: f32 },
    /// PyTorch's `nn.Linear` default: weights and biases uniform in ±1/√fan_in.
    Uniform,
}

impl Init {
    /// CleanRL's PPO actor: gain √2 for hidden layers, 0.01 for the head so the initial
    /// policy is near-uniform / near-zero-mean.
    pub const fn cleanrl_actor() -> Self {
        Self::Orthogonal { hidden_gain: core::f32::consts::SQRT_2, output_gain: 0.01 }
    }

    /// CleanRL's PPO critic: gain √2 for hidden layers, 1.0 for the value head.
    pub const fn cleanrl_critic() -> Self {
        Self::Orthogonal { hidden_gain: core::f32::consts::SQRT_2, output_gain: 1.0 }
    }
}

/// Offsets of one linear layer in the flat buffer.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Layer {
    inp: usize,
    out: usize,
    w: usize,
    b: usize,
}

/// A fully connected net: tanh after every hidden layer, linear output.
#[derive(Clone, Debug, PartialEq)]
pub struct Mlp {
    sizes: Vec<usize>,
    layers: Vec<Layer>,
    params: Vec<f32>,
}

/// The values a batched forward pass keeps for [`Mlp::backward`]: the input and every
/// layer's output (post-tanh for hidden layers), each `[batch, width]` row-major.
/// Reuse one across calls to avoid reallocating.
#[derive(Clone, Debug, Default)]
pub struct Activations {
    batch: usize,
    values: Vec<Vec<f32>>,
    /// Transposed weights of the layer being computed (reused buffer).
    scratch: Vec<f32>,
}

impl Activations {
    /// Samples in the last forward pass.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// The network outputs of the last forward pass, `[batch, out]`.
    pub fn output(&self) -> &[f32] {
        self.values.last().map_or(&[], Vec::as_slice)
    }
}

/// A named f32 tensor, as stored in a safetensors file.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedTensor {
    pub name: String,
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

fn layout(sizes: &[usize]) -> Result<(Vec<Layer>, usize), PolicyError> {
    if sizes.len() < 2 || sizes.contains(&0) {
        return Err(PolicyError::BadSizes { sizes: sizes.to_vec() });
    }
    let mut layers = Vec::with_capacity(sizes.len() - 1);
    let mut at = 0;
    for pair in sizes.windows(2) {
        let (inp, out) = (pair[0], pair[1]);
        layers.push(Layer { inp, out, w: at, b: at + inp * out });
        at += inp * out + out;
    }
    Ok((layers, at))
}

fn uniform01(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Writes `gain * Q` into `w` (`[out, in]`), where Q has orthonormal rows or columns
/// (whichever are fewer), from Gram–Schmidt on a Gaussian matrix: PyTorch's
/// `orthogonal_` (QR with the sign fix; Gram–Schmidt's positive R diagonal is that fix).
fn orthogonal(out: usize, inp: usize, gain: f32, rng: &mut ChaCha8Rng, w: &mut [f32]) {
    let (n, m) = (out.max(inp), out.min(inp));
    let mut q = vec![0.0f64; n * m]; // m columns of length n, column-major
    for c in 0..m {
        loop {
            for r in 0..n {
                q[c * n + r] = standard_normal(rng);
            }
            let (done, col) = q.split_at_mut(c * n);
            let col = &mut col[..n];
            // Modified Gram–Schmidt, two passes: one pass leaves visible non-orthogonality
            // when a draw is nearly dependent on earlier columns.
            for _ in 0..2 {
                for p in done.chunks_exact(n) {
                    let dot: f64 = p.iter().zip(col.iter()).map(|(a, b)| a * b).sum();
                    col.iter_mut().zip(p).for_each(|(x, &a)| *x -= dot * a);
                }
            }
            let norm = libm::sqrt(col.iter().map(|x| x * x).sum());
            // A (probability-zero) dependent draw is redrawn instead of dividing by ~0.
            if norm > 1e-6 {
                col.iter_mut().for_each(|x| *x /= norm);
                break;
            }
        }
    }
    for o in 0..out {
        for i in 0..inp {
            let v = if out >= inp { q[i * n + o] } else { q[o * n + i] };
            w[o * inp + i] = (f64::from(gain) * v) as f32;
        }
    }
}

/// tanh as a rational function (Eigen's `generic_fast_tanh_float`): |error| ≤ 3.5e-7 over
/// all inputs, exactly ±1 beyond ±7.9. Only `+ − × ÷`, comparisons and clamps, all exactly
/// rounded IEEE operations, so it gives the same bits on every platform (natively and in
/// wasm32) and vectorises; `libm::tanhf` took over a third of training time.
#[inline]
#[allow(clippy::excessive_precision, clippy::unreadable_literal)]
pub fn tanh(x: f32) -> f32 {
    const CLAMP: f32 = 7.90531110763549805;
    let xc = x.clamp(-CLAMP, CLAMP);
    let x2 = xc * xc;
    let mut p = x2 * -2.76076847742355e-16 + 2.00018790482477e-13;
    p = x2 * p + -8.60467152213735e-11;
    p = x2 * p + 5.12229709037114e-8;
    p = x2 * p + 1.48572235717979e-5;
    p = x2 * p + 6.37261928875436e-4;
    p = x2 * p + 4.89352455891786e-3;
    p *= xc;
    let mut q = x2 * 1.19825839466702e-6 + 1.18534705686654e-4;
    q = x2 * q + 2.26843463243900e-3;
    q = x2 * q + 4.89352518554385e-3;
    // Tiny inputs: tanh x = x to f32 precision (and keeps -0.0).
    if x.abs() < 4e-4 { x } else { p / q }
}

/// y = act(W x + b) for one sample; the single and batched passes share it so both give
/// the same bits.
fn linear(w: &[f32], b: &[f32], x: &[f32], y: &mut [f32], tanh: bool) {
    let inp = x.len();
    for (o, yo) in y.iter_mut().enumerate() {
        let mut acc = b[o];
        for (wi, xi) in w[o * inp..(o + 1) * inp].iter().zip(x) {
            acc += wi * xi;
        }
        *yo = if tanh { self::tanh(acc) } else { acc };
    }
}

/// The batched twin of [`linear`] over the transposed weights `wt` (`[in, out]`): each
/// output accumulates in the same order, so every row is bit-identical to [`linear`].
fn linear_rows(wt: &[f32], b: &[f32], x: &[f32], y: &mut [f32], inp: usize, tanh: bool) {
    kernels::affine_rows(wt, b, x, y, inp);
    if tanh {
        y.iter_mut().for_each(|v| *v = self::tanh(*v));
    }
}

/// `w` (`[out, in]`) transposed into `wt` (`[in, out]`).
fn transpose(w: &[f32], out: usize, inp: usize, wt: &mut Vec<f32>) {
    wt.clear();
    wt.resize(w.len(), 0.0);
    for o in 0..out {
        for i in 0..inp {
            wt[i * out + o] = w[o * inp + i];
        }
    }
}

impl Mlp {
    /// A net with all parameters zero (e.g. to load weights into).
    pub fn zeros(sizes: &[usize]) -> Result<Self, PolicyError> {
        let (layers, n) = layout(sizes)?;
        Ok(Self { sizes: sizes.to_vec(), layers, params: vec![0.0; n] })
    }

    /// A freshly initialised net, e.g. `Mlp::new(&[obs, 64, 64, act], Init::cleanrl_actor(), rng)`.
    /// Layers draw from `rng` in order, so a seed fixes every bit on every platform.
    pub fn new(sizes: &[usize], init: Init, rng: &mut ChaCha8Rng) -> Result<Self, PolicyError> {
        let mut net = Self::zeros(sizes)?;
        let last = net.layers.len() - 1;
        for (k, l) in net.layers.clone().into_iter().enumerate() {
            let (w, b) = net.params[l.w..l.b + l.out].split_at_mut(l.inp * l.out);
            match init {
                Init::Orthogonal { hidden_gain, output_gain } => {
                    let gain = if k == last { output_gain } else { hidden_gain };
                    orthogonal(l.out, l.inp, gain, rng, w);
                }
                Init::Uniform => {
                    let bound = 1.0 / libm::sqrt(l.inp as f64);
                    for x in w.iter_mut().chain(b.iter_mut()) {
                        *x = ((2.0 * uniform01(rng) - 1.0) * bound) as f32;
                    }
                }
            }
        }
        Ok(net)
    }

    /// A net over an existing flat buffer (layout in the module docs).
    pub fn from_params(sizes: &[usize], params: Vec<f32>) -> Result<Self, PolicyError> {
        let (layers, n) = layout(sizes)?;
        if params.len() != n {
            return Err(PolicyError::ParamCount { sizes: sizes.to_vec(), expected: n, got: params.len() });
        }
        Ok(Self { sizes: sizes.to_vec(), layers, params })
    }

    pub fn sizes(&self) -> &[usize] {
        &self.sizes
    }

    pub fn in_dim(&self) -> usize {
        self.sizes[0]
    }

    pub fn out_dim(&self) -> usize {
        self.sizes[self.sizes.len() - 1]
    }

    pub fn num_params(&self) -> usize {
        self.params.len()
    }

    pub fn params(&self) -> &[f32] {
        &self.params
    }

    pub fn params_mut(&mut self) -> &mut [f32] {
        &mut self.params
    }

    fn wb(&self, l: Layer) -> (&[f32], &[f32]) {
        (&self.params[l.w..l.b], &self.params[l.b..l.b + l.out])
    }

    /// One sample: `out = net(input)`.
    ///
    /// # Panics
    /// If `input` is not `in_dim` long or `out` not `out_dim` long.
    pub fn forward(&self, input: &[f32], out: &mut [f32]) {
        assert_eq!(input.len(), self.in_dim(), "input length differs from the net's input size");
        assert_eq!(out.len(), self.out_dim(), "output length differs from the net's output size");
        let (mut cur, mut next) = (input.to_vec(), Vec::new());
        let last = self.layers.len() - 1;
        for (k, &l) in self.layers.iter().enumerate() {
            let (w, b) = self.wb(l);
            if k == last {
                linear(w, b, &cur, out, false);
            } else {
                next.resize(l.out, 0.0);
                linear(w, b, &cur, &mut next, true);
                core::mem::swap(&mut cur, &mut next);
            }
        }
    }

    /// A batch of samples (`inputs` is `[batch, in_dim]` row-major), keeping what
    /// [`Mlp::backward`] needs in `acts`. Returns the outputs, `[batch, out_dim]`; each row
    /// is bit-identical to [`Mlp::forward`] on that row.
    ///
    /// # Panics
    /// If `inputs.len()` is not a multiple of `in_dim`.
    pub fn forward_batch<'a>(&self, inputs: &[f32], acts: &'a mut Activations) -> &'a [f32] {
        let inp = self.in_dim();
        assert_eq!(inputs.len() % inp, 0, "inputs length is not a multiple of the input size");
        let batch = inputs.len() / inp;
        acts.batch = batch;
        acts.values.resize_with(self.sizes.len(), Vec::new);
        acts.values[0].clear();
        acts.values[0].extend_from_slice(inputs);
        let last = self.layers.len() - 1;
        let mut wt = core::mem::take(&mut acts.scratch);
        for (k, &l) in self.layers.iter().enumerate() {
            let (w, b) = self.wb(l);
            let (done, rest) = acts.values.split_at_mut(k + 1);
            let (x, y) = (&done[k], &mut rest[0]);
            y.resize(batch * l.out, 0.0);
            if batch < 4 {
                // Transposing costs as much as a one-row product: not worth it.
                for (xb, yb) in x.chunks_exact(l.inp).zip(y.chunks_exact_mut(l.out)) {
                    linear(w, b, xb, yb, k != last);
                }
            } else {
                transpose(w, l.out, l.inp, &mut wt);
                linear_rows(&wt, b, x, y, l.inp, k != last);
            }
        }
        acts.scratch = wt;
        acts.output()
    }

    /// Backprop: given `d_out` = dL/d(output) for the batch in `acts` (`[batch, out_dim]`),
    /// *adds* dL/d(params) into `grads` (zero it first for a fresh gradient). Sums over the
    /// batch run in sample order, so the result is deterministic.
    ///
    /// # Panics
    /// If `acts` is not from a forward pass of a net with these sizes, or a length differs.
    pub fn backward(&self, acts: &Activations, d_out: &[f32], grads: &mut [f32]) {
        let batch = acts.batch;
        assert!(
            acts.values.len() == self.sizes.len()
                && acts.values.iter().zip(&self.sizes).all(|(v, &s)| v.len() == batch * s),
            "activations are not from a forward pass of this net"
        );
        assert_eq!(d_out.len(), batch * self.out_dim(), "d_out is not [batch, out_dim]");
        assert_eq!(grads.len(), self.params.len(), "grads length differs from the parameters");
        let mut delta = d_out.to_vec(); // dL/d(pre-activation) of the current layer
        let mut prev = Vec::new();
        for (k, &l) in self.layers.iter().enumerate().rev() {
            let x = &acts.values[k];
            let (gw, gb) = grads[l.w..l.b + l.out].split_at_mut(l.inp * l.out);
            kernels::grad_weights(x, &delta, gw, gb, l.inp);
            if k == 0 {
                break;
            }
            let (w, _) = self.wb(l);
            prev.clear();
            prev.resize(batch * l.inp, 0.0);
            kernels::grad_inputs(w, &delta, &mut prev, l.inp, l.out);
            // x holds this layer's input, the previous layer's tanh output a: tanh' = 1 - a².
            prev.iter_mut().zip(x).for_each(|(p, &a)| *p *= 1.0 - a * a);
            core::mem::swap(&mut delta, &mut prev);
        }
    }

    /// `(name, shape, offset)` of every tensor: `{prefix}.{2k}.weight` / `.bias` for layer
    /// k, the indices of `nn.Sequential(Linear, Tanh, Linear, ...)`'s state dict.
    fn tensor_specs(&self, prefix: &str) -> Vec<(String, Vec<usize>, usize)> {
        let mut specs = Vec::with_capacity(2 * self.layers.len());
        for (k, l) in self.layers.iter().enumerate() {
            let base = if prefix.is_empty() { format!("{}", 2 * k) } else { format!("{prefix}.{}", 2 * k) };
            specs.push((format!("{base}.weight"), vec![l.out, l.inp], l.w));
            specs.push((format!("{base}.bias"), vec![l.out], l.b));
        }
        specs
    }

    /// The parameters as named tensors (names as in the module docs), ready for
    /// [`write_safetensors`] alongside other nets' tensors.
    pub fn to_safetensors(&self, prefix: &str) -> Vec<NamedTensor> {
        self.tensor_specs(prefix)
            .into_iter()
            .map(|(name, shape, at)| {
                let data = self.params[at..at + shape.iter().product::<usize>()].to_vec();
                NamedTensor { name, shape, data }
            })
            .collect()
    }

    /// Replaces the parameters with the tensors named `{prefix}.*` (others are ignored, so
    /// one file can hold actor and critic). Every tensor is checked before anything is
    /// copied: on error the net is unchanged.
    pub fn load_safetensors(&mut self, tensors: &[NamedTensor], prefix: &str) -> Result<(), PolicyError> {
        let mut plan = Vec::new();
        for (name, shape, offset) in self.tensor_specs(prefix) {
            let t = tensors
                .iter()
                .find(|t| t.name == name)
                .ok_or_else(|| PolicyError::MissingTensor { name: name.clone() })?;
            if t.shape != shape || t.data.len() != shape.iter().product::<usize>() {
                return Err(PolicyError::ShapeMismatch { name, expected: shape, got: t.shape.clone() });
            }
            if let Some((index, &value)) = t.data.iter().enumerate().find(|(_, x)| !x.is_finite()) {
                return Err(PolicyError::NonFinite { name, index, value });
            }
            plan.push((offset, &t.data));
        }
        for (offset, data) in plan {
            self.params[offset..offset + data.len()].copy_from_slice(data);
        }
        Ok(())
    }

    /// A net with `sizes` whose parameters come from `tensors` (see [`Mlp::load_safetensors`]).
    pub fn from_safetensors(sizes: &[usize], tensors: &[NamedTensor], prefix: &str) -> Result<Self, PolicyError> {
        let mut net = Self::zeros(sizes)?;
        net.load_safetensors(tensors, prefix)?;
        Ok(net)
    }
}

/// Serialises tensors to safetensors bytes (f32, little-endian).
pub fn write_safetensors(tensors: &[NamedTensor]) -> Result<Vec<u8>, PolicyError> {
    let bytes: Vec<Vec<u8>> = tensors.iter().map(|t| t.data.iter().flat_map(|x| x.to_le_bytes()).collect()).collect();
    let views = tensors
        .iter()
        .zip(&bytes)
        .map(|(t, b)| Ok((t.name.as_str(), TensorView::new(Dtype::F32, t.shape.clone(), b)?)))
        .collect::<Result<Vec<_>, SafeTensorError>>()?;
    Ok(safetensors::serialize(views, None)?)
}

/// Parses safetensors bytes into f32 tensors, sorted by name.
pub fn read_safetensors(bytes: &[u8]) -> Result<Vec<NamedTensor>, PolicyError> {
    let st = SafeTensors::deserialize(bytes)?;
    let mut out = Vec::with_capacity(st.len());
    for (name, view) in st.iter() {
        if view.dtype() != Dtype::F32 {
            return Err(PolicyError::Dtype { name: name.to_owned(), dtype: view.dtype().to_string() });
        }
        let data = view.data().chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        out.push(NamedTensor { name: name.to_owned(), shape: view.shape().to_vec(), data });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_matches_a_hand_computation() {
        // [2, 2, 1]: W1 = [[1, -2], [0.5, 3]], b1 = [0.1, -0.2]; W2 = [[2, -1]], b2 = [0.3].
        let params = vec![1.0, -2.0, 0.5, 3.0, 0.1, -0.2, 2.0, -1.0, 0.3];
        let net = Mlp::from_params(&[2, 2, 1], params).unwrap();
        let x = [0.4f32, -0.1];
        let h0 = libm::tanhf(0.1 + 1.0 * 0.4 + -2.0 * -0.1); // tanh(0.7)
        let h1 = libm::tanhf(-0.2 + 0.5 * 0.4 + 3.0 * -0.1); // tanh(-0.3)
        let expected = 0.3 + 2.0 * h0 - h1;
        let mut out = [0.0];
        net.forward(&x, &mut out);
        assert!((out[0] - expected).abs() < 1e-6, "{} vs {expected}", out[0]);
        assert!((expected - (0.3 + 2.0 * 0.7f64.tanh() - (-0.3f64).tanh()) as f32).abs() < 1e-6);
    }

    #[test]
    fn bad_sizes_and_param_counts_are_typed_errors() {
        assert!(matches!(Mlp::zeros(&[4]), Err(PolicyError::BadSizes { .. })));
        assert!(matches!(Mlp::zeros(&[4, 0, 2]), Err(PolicyError::BadSizes { .. })));
        let err = Mlp::from_params(&[2, 3], vec![0.0; 8]).unwrap_err();
        assert!(matches!(err, PolicyError::ParamCount { expected: 9, got: 8, .. }), "{err}");
    }
}
