// Saves a PNG of a page as a person sees it (for docs, e.g. the README's playground
// picture). Usage: node screenshot.mjs URL OUT.png [WAIT_MS] [WIDTH] [HEIGHT]
import { open, main } from './lib.mjs';

const [url, out, wait = '3000', width = '1280', height = '860'] = process.argv.slice(2);

main(async () => {
  const { page, errors, close } = await open();
  try {
    await page.setViewportSize({ width: Number(width), height: Number(height) });
    await page.goto(url);
    await page.waitForTimeout(Number(wait));
    await page.screenshot({ path: out });
    return { out, errors };
  } finally {
    await close();
  }
});
