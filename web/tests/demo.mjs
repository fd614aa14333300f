// Driver: opens a demo page, lets it load paused, steps it N times through the page's own
// test hook, and reports what a person would see: status, backend, HUD numbers, the
// observation, and the canvas pixels (how much differs from the sky, and the colour at each
// body's projected centre). Usage: node demo.mjs URL BACKEND STEPS
import { open, waitForStatus, main } from './lib.mjs';

const [url, backend = 'auto', steps = '0'] = process.argv.slice(2);

main(async () => {
  const { page, errors, close } = await open();
  try {
    const u = new URL(url);
    u.searchParams.set('backend', backend);
    u.searchParams.set('autoplay', '0');
    await page.goto(u.toString());
    const loaded = await waitForStatus(page, ['paused', 'running', 'done']);
    const n = Number(steps);
    const after = await page.evaluate(async (n) => {
      const r = window.rewardsmith;
      if (n > 0) r.step(n);
      // Two animation frames: the step's redraw is on screen.
      await new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok)));
      return {
        status: document.body.dataset.status,
        backend: document.body.dataset.backend,
        error: document.body.dataset.error ?? null,
        stepCount: r.stepCount,
        episodeReturn: r.episodeReturn,
        fitness: r.fitness,
        obs: Array.from(r.obs ?? []),
        state: Array.from(r.state ?? []),
        terminated: r.terminated,
        truncated: r.truncated,
        bodies: typeof r.bodiesOnScreen === 'function' ? r.bodiesOnScreen() : null,
        poses: typeof r.bodyPoses === 'function' ? r.bodyPoses() : null,
      };
    }, n);
    const canvas = await page.$('canvas');
    const box = await canvas.boundingBox();
    const png = (await canvas.screenshot()).toString('base64');
    const pixels = await page.evaluate(async ({ png, bodies, box }) => {
      const img = new Image();
      img.src = `data:image/png;base64,${png}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const g = c.getContext('2d');
      g.drawImage(img, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data;
      const at = (x, y) => {
        const i = (Math.min(c.height - 1, Math.max(0, Math.round(y))) * c.width + Math.min(c.width - 1, Math.max(0, Math.round(x)))) * 4;
        return [d[i], d[i + 1], d[i + 2]];
      };
      const sky = at(1, 1);
      let differ = 0;
      const colours = new Set();
      for (let i = 0; i < d.length; i += 4) {
        if (Math.abs(d[i] - sky[0]) + Math.abs(d[i + 1] - sky[1]) + Math.abs(d[i + 2] - sky[2]) > 24) differ++;
        colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
      }
      // Screenshot pixels may be scaled from CSS pixels (device pixel ratio).
      const sx = c.width / box.width, sy = c.height / box.height;
      return {
        width: c.width,
        height: c.height,
        sky,
        differFraction: differ / (c.width * c.height),
        distinctColours: colours.size,
        atBodies: (bodies ?? []).map((b) => ({ name: b.name, x: b.x, y: b.y, rgb: at(b.x * sx, b.y * sy) })),
      };
    }, { png, bodies: after.bodies, box });
    return { loaded, ...after, pixels, errors };
  } finally {
    await close();
  }
});
