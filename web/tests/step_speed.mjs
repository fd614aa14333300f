// Benchmark driver (bench/demo_build.sh): opens a demo page paused and times the page's own
// step hook (policy, physics and reward in wasm; drawing is left to animation frames), one
// step at a time for up to N steps or until the episode ends; repeats R times and prints the
// median milliseconds per step. Usage: node step_speed.mjs URL N R
import { open, waitForStatus, main } from './lib.mjs';

const [url, steps = '500', repeats = '5'] = process.argv.slice(2);

main(async () => {
  const { page, errors, close } = await open();
  try {
    const u = new URL(url);
    u.searchParams.set('autoplay', '0');
    await page.goto(u.toString());
    await waitForStatus(page, ['paused', 'running', 'done']);
    const runs = [];
    for (let k = 0; k < Number(repeats); k++) {
      await page.reload();
      await waitForStatus(page, ['paused', 'running', 'done']);
      runs.push(await page.evaluate((n) => {
        const r = window.rewardsmith;
        const t0 = performance.now();
        let done = 0;
        while (done < n && !r.terminated && !r.truncated) { r.step(1); done += 1; }
        return { steps: done, ms: performance.now() - t0 };
      }, Number(steps)));
    }
    const per = runs.map((r) => r.ms / Math.max(1, r.steps)).sort((a, b) => a - b);
    return { runs, ms_per_step_median: per[Math.floor(per.length / 2)], errors };
  } finally {
    await close();
  }
});
