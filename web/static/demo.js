// The demo page: loads demo.json (or query parameters), runs the env with the trained policy
// in wasm, computes each step's reward with the run's reward.wasm, and draws with wgpu.
// Test hooks and parameters are documented in web/README.md.
import init, { Demo, Renderer } from './rewardsmith_web.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

// Test hooks: read by browser tests, kept in sync after every step.
const hooks = {
  stepCount: 0, episodeReturn: 0, fitness: 0, obs: [], state: [], terminated: false, truncated: false,
  reward: 0, terms: [], termNames: [], episode: 0, seed: 0, backend: null,
  step: (n = 1) => { stepMany(n); return hooks; },
  // Every body's pose now: [{ name, position: [x, y, z] (m), rotation: [w, x, y, z] }].
  bodyPoses: () => {
    if (!demo) return [];
    const f = demo.bodies();
    const BODY_FLOATS = 14; // kind, 3 sizes, position, rotation, colour (Demo.bodies)
    return demo.bodyNames().map((name, i) => {
      const o = i * BODY_FLOATS;
      return { name, position: Array.from(f.slice(o + 4, o + 7)), rotation: Array.from(f.slice(o + 7, o + 11)) };
    });
  },
  // Where each body's centre is on the canvas (CSS pixels from its top-left), as drawn last.
  bodiesOnScreen: () => {
    if (!renderer || !demo) return [];
    const c = $('canvas');
    const xy = renderer.project(demo, c.clientWidth, c.clientHeight);
    return demo.bodyNames().map((name, i) => ({ name, x: xy[2 * i], y: xy[2 * i + 1] }))
      .filter((b) => b.x >= 0 && b.y >= 0 && b.x < c.clientWidth && b.y < c.clientHeight);
  },
};
window.rewardsmith = hooks;

const setStatus = (s) => { document.body.dataset.status = s; };

function fail(err) {
  const msg = String(err && err.message ? err.message : err);
  document.body.dataset.error = msg;
  $('error').textContent = msg;
  setStatus('error');
  playing = false;
  updateButtons();
}

// ---- the reward program (core wasm, no imports; ABI: docs/abi.md) ----

class Reward {
  static async load(bytes, envId, stateLen, actionLen) {
    const { instance } = await WebAssembly.instantiate(bytes, {});
    return new Reward(instance.exports, envId, stateLen, actionLen);
  }

  constructor(x, envId, stateLen, actionLen) {
    this.x = x;
    this.names = [];
    const version = x.rewardsmith_abi_version();
    if (version !== 1) throw new Error(`reward ABI version ${version}; this page speaks version 1`);
    const layout = BigInt.asUintN(64, x.rewardsmith_layout());
    const [s, a] = [Number(layout & 0xffffffffn), Number(layout >> 32n)];
    if (s !== stateLen || a !== actionLen) {
      throw new Error(`the reward program is for \`${this.string(x.rewardsmith_env_id())}\` (${s} state + ${a} action `
        + `floats); ${envId} has ${stateLen} + ${actionLen}: use the reward.wasm of the same run as the policy`);
    }
    this.len = 2 * stateLen + actionLen;
  }

  // A string crosses as an i64 `(len << 32) | ptr` (a BigInt here).
  string(v) {
    const u = BigInt.asUintN(64, v);
    const [len, ptr] = [Number(u >> 32n), Number(u & 0xffffffffn)];
    return new TextDecoder().decode(new Uint8Array(this.x.memory.buffer, ptr, len));
  }

  // Runs one transition; returns { total, terms }. Throws with the guest's message on a trap.
  run(transition, step) {
    const x = this.x;
    let out;
    try {
      const ptr = x.rewardsmith_input(1);
      new Float32Array(x.memory.buffer, ptr, this.len).set(transition);
      out = x.rewardsmith_run(1);
    } catch (e) {
      let why = e && e.message ? e.message : String(e);
      try {
        const msg = this.string(x.rewardsmith_panic_message());
        if (msg) why = `panicked: ${msg}`;
      } catch { /* the message is best effort */ }
      throw new Error(`reward program trapped at step ${step}: ${why}`);
    }
    const count = x.rewardsmith_term_count();
    for (let i = this.names.length; i < count; i++) this.names.push(this.string(x.rewardsmith_term_name(i)));
    const f = new Float32Array(x.memory.buffer, out, 1 + count);
    const total = f[0];
    if (!Number.isFinite(total)) throw new Error(`reward total is ${total} at step ${step}; rewards must be finite`);
    return { total, terms: Array.from(f.subarray(1)) };
  }
}

// ---- state ----

let demo, reward, renderer;
let episode = 0;           // episodes started, 0-based
let seed = 0;              // seed of the current episode
let episodeReturn = 0;     // f64 sum of f32 totals, in step order (as the native rollout)
let lastReward = { total: 0, terms: [] };
let playing = false;
let stopAt = null;         // `steps=N`: stop after N steps
let resetTimer = null;

function syncHooks() {
  Object.assign(hooks, {
    stepCount: demo.stepCount(), episodeReturn, fitness: demo.fitness(), obs: Array.from(demo.obs()),
    state: Array.from(demo.state()), terminated: demo.terminated(), truncated: demo.truncated(),
    reward: lastReward.total, terms: lastReward.terms, termNames: reward.names.slice(), episode, seed,
  });
}

function stepOnce() {
  if (demo.done()) return true;
  const ended = demo.step();
  lastReward = reward.run(demo.transition(), demo.stepCount());
  episodeReturn += lastReward.total;
  return ended;
}

// Synchronous steps (the `step(n)` hook and the Step button): pauses autoplay.
function stepMany(n) {
  try {
    playing = false;
    for (let i = 0; i < n && !demo.done(); i++) stepOnce();
    settle();
  } catch (e) { fail(e); }
}

function newEpisode(s) {
  clearTimeout(resetTimer);
  resetTimer = null;
  seed = s;
  demo.reset(BigInt(s));
  episodeReturn = 0;
  lastReward = { total: 0, terms: [] };
  $('banner').style.display = 'none';
}

// After steps: update hooks and HUD, decide the status, draw.
function settle() {
  syncHooks();
  const done = demo.done();
  if (done) {
    $('banner').textContent = `episode over · fitness ${demo.fitness().toFixed(3)} · return ${episodeReturn.toFixed(2)}`;
    $('banner').style.display = 'block';
  }
  if (stopAt !== null && demo.stepCount() >= stopAt) {
    playing = false;
  }
  if (document.body.dataset.status !== 'error') {
    if (playing) setStatus('running');
    else setStatus(done || (stopAt !== null && demo.stepCount() >= stopAt) ? 'done' : 'paused');
  }
  if (done && playing && resetTimer === null) {
    // Show the result for a second, then play the next seed.
    resetTimer = setTimeout(() => { episode += 1; newEpisode(seed + 1); settle(); }, 1000);
  }
  hud();
  updateButtons();
  renderer.draw(demo);
}

function hud() {
  $('hud-step').textContent = `${demo.stepCount()}`;
  $('hud-return').textContent = episodeReturn.toFixed(2);
  $('hud-fitness').textContent = demo.fitness().toFixed(3);
  $('hud-episode').textContent = `${episode + 1} (seed ${seed})`;
  $('terms').textContent = reward.names.map((n, i) => `${n.padEnd(12)} ${(lastReward.terms[i] ?? 0).toFixed(3)}`).join('\n');
}

function updateButtons() {
  const ok = demo && document.body.dataset.status !== 'error';
  $('play').disabled = !ok;
  $('step').disabled = !ok || demo.done();
  $('restart').disabled = !ok;
  $('play').textContent = playing ? 'Pause' : 'Play';
}

// Steps at the control rate: requestAnimationFrame plus an accumulator of elapsed time.
let last = null, acc = 0;
function frame(now) {
  requestAnimationFrame(frame);
  // Capped at 1 s, so a hidden tab does not replay minutes at once, while slow frames
  // (software rendering draws a few per second) still keep the control rate.
  const dt = last === null ? 0 : Math.min((now - last) / 1000, 1);
  last = now;
  if (!playing || document.body.dataset.status === 'error') return;
  try {
    acc += dt;
    const controlDt = demo.controlDt();
    let stepped = false;
    while (acc >= controlDt && !demo.done() && !(stopAt !== null && demo.stepCount() >= stopAt)) {
      acc -= controlDt;
      stepOnce();
      stepped = true;
    }
    if (demo.done()) acc = 0;
    if (stepped) settle();
  } catch (e) { fail(e); }
}

// ---- loading ----

async function fetchBytes(url, what) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${what}: HTTP ${r.status} for ${url}`);
  return new Uint8Array(await r.arrayBuffer());
}

// demo.json (or `config=URL`), then query parameters on top. URLs inside the config are
// relative to the config file; URLs in parameters are relative to the page.
async function loadConfig() {
  const page = new URL(location.href);
  const explicit = params.get('config');
  const complete = ['env', 'policy', 'reward'].every((k) => params.has(k));
  let config = {}, base = page;
  if (explicit || !complete) {
    base = new URL(explicit || 'demo.json', page);
    const r = await fetch(base);
    if (!r.ok) throw new Error(`config: HTTP ${r.status} for ${base}`);
    config = await r.json();
  }
  const pick = (k, d) => (params.has(k) ? params.get(k) : config[k] ?? d);
  const url = (k, d) => new URL(params.has(k) ? params.get(k) : config[k] ?? d, params.has(k) ? page : base);
  const seed = Number(pick('seed', 0));
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`seed must be a non-negative integer, not ${pick('seed')}`);
  const steps = params.get('steps');
  if (steps !== null && !/^\d+$/.test(steps)) throw new Error(`steps must be a whole number, not ${steps}`);
  return {
    env: pick('env', null),
    seed,
    policy: url('policy', 'policy.safetensors'),
    reward: url('reward', 'reward.wasm'),
    title: config.title,
    backend: params.get('backend') || 'auto',
    steps: steps === null ? null : Number(steps),
    autoplay: params.get('autoplay') !== '0',
  };
}

function sizeCanvas(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
  const h = Math.max(1, Math.round(canvas.clientHeight * dpr));
  canvas.width = w;
  canvas.height = h;
  return [w, h];
}

function wireInput(canvas) {
  let drag = null;
  canvas.addEventListener('pointerdown', (e) => { drag = [e.clientX, e.clientY]; canvas.setPointerCapture(e.pointerId); });
  canvas.addEventListener('pointerup', () => { drag = null; });
  canvas.addEventListener('pointercancel', () => { drag = null; });
  canvas.addEventListener('pointermove', (e) => {
    if (!drag) return;
    renderer.orbit(e.clientX - drag[0], e.clientY - drag[1]);
    drag = [e.clientX, e.clientY];
    renderer.draw(demo);
  });
  canvas.addEventListener('wheel', (e) => {
    e.preventDefault();
    renderer.zoom(Math.exp(e.deltaY * 0.001));
    renderer.draw(demo);
  }, { passive: false });
  canvas.addEventListener('dblclick', () => { renderer.reframe(); renderer.draw(demo); });
  new ResizeObserver(() => {
    const [w, h] = sizeCanvas(canvas);
    renderer.resize(w, h);
    renderer.draw(demo);
  }).observe(canvas);

  $('play').addEventListener('click', () => {
    if (demo.done()) { episode += 1; newEpisode(seed + 1); }
    stopAt = null;
    playing = !playing;
    acc = 0;
    settle();
  });
  $('step').addEventListener('click', () => stepMany(1));
  $('restart').addEventListener('click', () => { newEpisode(seed); settle(); });
}

async function main() {
  const config = await loadConfig();
  if (!config.env) throw new Error('no env: give `env` in demo.json or as a query parameter');
  if (config.title) { document.title = config.title; $('title').textContent = config.title; }
  await init();
  const [policyBytes, rewardBytes] = await Promise.all([
    fetchBytes(config.policy, 'policy'), fetchBytes(config.reward, 'reward program'),
  ]);
  demo = new Demo(config.env, policyBytes, BigInt(config.seed));
  seed = config.seed;
  reward = await Reward.load(rewardBytes, demo.envId(), demo.stateLen(), demo.actionLen());
  $('hud-env').textContent = demo.envId();
  $('subtitle').textContent = demo.envId();
  const canvas = $('canvas');
  sizeCanvas(canvas);
  renderer = await Renderer.create(canvas, config.backend);
  hooks.backend = renderer.backend();
  document.body.dataset.backend = hooks.backend;
  $('hud-backend').textContent = hooks.backend;
  wireInput(canvas);
  stopAt = config.steps;
  if (stopAt !== null) {
    // Tests: run N steps at once (stopping early if the episode ends), then pause.
    for (let i = 0; i < stopAt && !demo.done(); i++) stepOnce();
  } else {
    playing = config.autoplay;
  }
  settle();
  requestAnimationFrame(frame);
}

// A failure outside the awaited chain (a callback, a panic in a wasm task) still shows.
window.addEventListener('error', (e) => fail(e.error || e.message));
window.addEventListener('unhandledrejection', (e) => fail(e.reason));
main().catch(fail);
