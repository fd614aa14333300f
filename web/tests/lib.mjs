// Shared launch helper for the browser-test drivers. Drivers open pages like a person
// would and print what they saw as one JSON object on stdout; the Rust tests assert.
//
// Debian's chromium only (never a downloaded browser). The flags are the ones measured in
// shared/design/FACTS.md to give BOTH WebGL2 (ANGLE on SwiftShader) and WebGPU (SwiftShader
// adapter) headless; `--disable-gpu` must not be added (it kills WebGPU canvases).
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = process.env.REWARDSMITH_CHROMIUM || '/usr/bin/chromium';

export const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
];

/// Launches chromium with a fresh profile; returns { browser, context, page, errors, close }.
/// `errors` collects console errors and uncaught page errors as they happen.
export async function open() {
  const profile = mkdtempSync(join(tmpdir(), 'rewardsmith-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 960, height: 640 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  const watch = (p) => {
    p.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
    p.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  };
  watch(page);
  context.on('page', watch);
  const close = async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { context, page, errors, close };
}

/// Waits until `document.body.dataset.status` is one of `states` (or `error`); returns it.
export async function waitForStatus(page, states, timeout = 60_000) {
  await page.waitForFunction(
    (s) => s.includes(document.body?.dataset.status) || document.body?.dataset.status === 'error',
    states,
    { timeout },
  );
  return page.evaluate(() => document.body.dataset.status);
}

/// Prints `value` as the driver's one JSON result and exits 0; a driver that cannot do its
/// job prints `{ "driver_error": ... }` and exits 1 so the Rust side shows why.
export function report(value) {
  process.stdout.write(JSON.stringify(value) + '\n');
}

export async function main(run) {
  try {
    report(await run());
    process.exit(0);
  } catch (e) {
    report({ driver_error: String(e && e.stack ? e.stack : e) });
    process.exit(1);
  }
}
