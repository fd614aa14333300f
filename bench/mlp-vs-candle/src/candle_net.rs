//! The same net in candle: `Var` parameters copied from our `Mlp`, `candle_nn::Linear`
//! layers with tanh, candle's autograd and `candle_nn::AdamW` with weight decay 0 (= Adam).

use candle_core::{Device, Result, Tensor, Var};
use candle_nn::{AdamW, Linear, Module, Optimizer, ParamsAdamW};
use rewardsmith_policy::Mlp;
use std::hint::black_box;

use crate::cases::{Kind, LR, uniform};
use crate::timing::best_ns;

/// A candle MLP holding its parameters as `Var`s, in our flat layout's order.
pub struct CandleMlp {
    layers: Vec<Linear>,
    pub vars: Vec<Var>,
}

impl CandleMlp {
    /// Copies `net`'s weights (`[out, in]` then `[out]` per layer, PyTorch's layout).
    pub fn from_mlp(net: &Mlp) -> Result<Self> {
        let (mut layers, mut vars, mut at) = (Vec::new(), Vec::new(), 0);
        for pair in net.sizes().windows(2) {
            let (inp, out) = (pair[0], pair[1]);
            let w = Var::from_slice(&net.params()[at..at + inp * out], (out, inp), &Device::Cpu)?;
            at += inp * out;
            let b = Var::from_slice(&net.params()[at..at + out], out, &Device::Cpu)?;
            at += out;
            layers.push(Linear::new(w.as_tensor().clone(), Some(b.as_tensor().clone())));
            vars.extend([w, b]);
        }
        Ok(Self { layers, vars })
    }

    /// `[batch, in] -> [batch, out]`, tanh after every hidden layer.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mut h = x.clone();
        for (k, l) in self.layers.iter().enumerate() {
            h = l.forward(&h)?;
            if k + 1 < self.layers.len() {
                h = h.tanh()?;
            }
        }
        Ok(h)
    }

    /// Every parameter, flattened in our layout's order.
    pub fn flat_params(&self) -> Result<Vec<f32>> {
        let mut out = Vec::new();
        for v in &self.vars {
            out.extend(v.as_tensor().flatten_all()?.to_vec1::<f32>()?);
        }
        Ok(out)
    }
}

/// Adam with our optimizer's hyperparameters (CleanRL's: eps 1e-5).
pub fn adam(net: &CandleMlp) -> Result<AdamW> {
    let params = ParamsAdamW { lr: f64::from(LR), beta1: 0.9, beta2: 0.999, eps: 1e-5, weight_decay: 0.0 };
    AdamW::new(net.vars.clone(), params)
}

/// Forward from a host slice back to a host `Vec`, as acting needs it.
pub fn act(net: &CandleMlp, inputs: &[f32], batch: usize, inp: usize) -> Result<Vec<f32>> {
    let x = Tensor::from_slice(inputs, (batch, inp), &Device::Cpu)?;
    net.forward(&x)?.flatten_all()?.to_vec1::<f32>()
}

/// One training step with loss mean((y - t)²).
pub fn train_step(net: &CandleMlp, opt: &mut AdamW, x: &Tensor, t: &Tensor) -> Result<()> {
    let loss = net.forward(x)?.sub(t)?.sqr()?.mean_all()?;
    opt.backward_step(&loss)
}

/// Nanoseconds per op of one case, starting from the same weights as ours.
pub fn time(ours: &Mlp, kind: Kind, batch: usize, reps: usize) -> Result<f64> {
    let (inp, out) = (ours.in_dim(), ours.out_dim());
    let net = CandleMlp::from_mlp(ours)?;
    let inputs = uniform(batch * inp, 1);
    Ok(match kind {
        Kind::Forward => best_ns(reps, || {
            black_box(act(&net, black_box(&inputs), batch, inp).expect("candle forward"));
        }),
        Kind::Train => {
            let mut opt = adam(&net)?;
            let targets = uniform(batch * out, 2);
            best_ns(reps, || {
                // Uploading the minibatch is part of a step, as it is for ours.
                let x = Tensor::from_slice(black_box(&inputs), (batch, inp), &Device::Cpu).expect("tensor");
                let t = Tensor::from_slice(&targets, (batch, out), &Device::Cpu).expect("tensor");
                train_step(&net, &mut opt, &x, &t).expect("candle train step");
            })
        }
    })
}
