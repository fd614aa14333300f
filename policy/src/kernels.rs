//! The MLP's inner loops, register-blocked: each keeps a block of W accumulators in
//! registers across the reduction instead of reloading and storing a whole row per term, and
//! works on two rows at once so the adds of independent accumulators overlap.
//!
//! Every output is still one accumulator summed in the same order as the plain loop
//! (bias first, then ascending index), with no reassociation and no fused multiply-add, so
//! the blocking changes speed, never bits: a row of a batched pass equals the single-sample
//! pass, natively and in wasm32.

/// Runs `block::<16>`, then `<4>`, then `<1>` over `0..n`.
macro_rules! blocked {
    ($n:expr, |$start:ident, $w:ident| $body:expr) => {{
        let n = $n;
        let mut $start = 0;
        while $start + 16 <= n {
            const $w: usize = 16;
            $body;
            $start += 16;
        }
        while $start + 4 <= n {
            const $w: usize = 4;
            $body;
            $start += 4;
        }
        while $start < n {
            const $w: usize = 1;
            $body;
            $start += 1;
        }
    }};
}

fn arr<const W: usize>(s: &[f32]) -> &[f32; W] {
    s[..W].try_into().expect("block within bounds")
}

/// `y[b, o] = bias[o] + Σ_i wt[i, o] · x[b, i]` (i ascending) for every row b, where `wt`
/// is the weight matrix transposed (`[in, out]`). Rows go R at a time so that narrow
/// layers (a 1- or 2-output head) still have independent accumulators to overlap.
pub(super) fn affine_rows(wt: &[f32], bias: &[f32], x: &[f32], y: &mut [f32], inp: usize) {
    let out = bias.len();
    let rows = x.len() / inp;
    let mut b0 = 0;
    while b0 + 2 <= rows {
        let xs = &x[b0 * inp..(b0 + 2) * inp];
        let ys = &mut y[b0 * out..(b0 + 2) * out];
        blocked!(out, |o0, W| affine_block::<W, 2>(wt, bias, xs, ys, o0, inp, out));
        b0 += 2;
    }
    if b0 < rows {
        let (xs, ys) = (&x[b0 * inp..], &mut y[b0 * out..]);
        blocked!(out, |o0, W| affine_block::<W, 1>(wt, bias, xs, ys, o0, inp, out));
    }
}

#[inline(always)]
fn affine_block<const W: usize, const R: usize>(
    wt: &[f32],
    bias: &[f32],
    xs: &[f32],
    ys: &mut [f32],
    o0: usize,
    inp: usize,
    out: usize,
) {
    let mut acc = [*arr::<W>(&bias[o0..]); R];
    for i in 0..inp {
        let w = arr::<W>(&wt[i * out + o0..]);
        for r in 0..R {
            let xi = xs[r * inp + i];
            for j in 0..W {
                acc[r][j] += w[j] * xi;
            }
        }
    }
    for r in 0..R {
        ys[r * out + o0..r * out + o0 + W].copy_from_slice(&acc[r]);
    }
}

/// Adds `Σ_b d[b, o] · x[b, i]` into `gw[o, i]` and `Σ_b d[b, o]` into `gb[o]`, b ascending.
pub(super) fn grad_weights(x: &[f32], d: &[f32], gw: &mut [f32], gb: &mut [f32], inp: usize) {
    let out = gb.len();
    for db in d.chunks_exact(out) {
        for (g, &v) in gb.iter_mut().zip(db) {
            *g += v;
        }
    }
    let mut pairs = gw.chunks_exact_mut(2 * inp);
    let mut o = 0;
    for rows in pairs.by_ref() {
        blocked!(inp, |i0, W| grad_weights_block::<W, 2>(x, d, rows, o, i0, inp, out));
        o += 2;
    }
    let rest = pairs.into_remainder();
    if !rest.is_empty() {
        blocked!(inp, |i0, W| grad_weights_block::<W, 1>(x, d, rest, o, i0, inp, out));
    }
}

/// Rows `o..o + R` of the weight gradient, columns `i0..i0 + W`.
#[inline(always)]
fn grad_weights_block<const W: usize, const R: usize>(
    x: &[f32],
    d: &[f32],
    rows: &mut [f32],
    o: usize,
    i0: usize,
    inp: usize,
    out: usize,
) {
    let mut acc = [[0.0f32; W]; R];
    for r in 0..R {
        acc[r] = *arr::<W>(&rows[r * inp + i0..]);
    }
    for (xb, db) in x.chunks_exact(inp).zip(d.chunks_exact(out)) {
        let xs = arr::<W>(&xb[i0..]);
        for r in 0..R {
            let dv = db[o + r];
            for j in 0..W {
                acc[r][j] += dv * xs[j];
            }
        }
    }
    for r in 0..R {
        rows[r * inp + i0..r * inp + i0 + W].copy_from_slice(&acc[r]);
    }
}

/// `p[b, i] = Σ_o d[b, o] · w[o, i]` (o ascending, starting from 0) for every row b.
pub(super) fn grad_inputs(w: &[f32], d: &[f32], p: &mut [f32], inp: usize, out: usize) {
    let rows = d.len() / out;
    let mut b0 = 0;
    while b0 + 2 <= rows {
        let (ds, ps) = (&d[b0 * out..(b0 + 2) * out], &mut p[b0 * inp..(b0 + 2) * inp]);
        blocked!(inp, |i0, W| grad_inputs_block::<W, 2>(w, ds, ps, i0, inp, out));
        b0 += 2;
    }
    if b0 < rows {
        let (ds, ps) = (&d[b0 * out..], &mut p[b0 * inp..]);
        blocked!(inp, |i0, W| grad_inputs_block::<W, 1>(w, ds, ps, i0, inp, out));
    }
}

#[inline(always)]
fn grad_inputs_block<const W: usize, const R: usize>(
    w: &[f32],
    ds: &[f32],
    ps: &mut [f32],
    i0: usize,
    inp: usize,
    out: usize,
) {
    let mut acc = [[0.0f32; W]; R];
    for o in 0..out {
        let ws = arr::<W>(&w[o * inp + i0..]);
        for r in 0..R {
            let dv = ds[r * out + o];
            for j in 0..W {
                acc[r][j] += dv * ws[j];
            }
        }
    }
    for r in 0..R {
        ps[r * inp + i0..r * inp + i0 + W].copy_from_slice(&acc[r]);
    }
}
