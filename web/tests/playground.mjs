// Browser driver for the `rewardsmith serve` playground tests:
//   node web/tests/playground.mjs <scenario> <url> [args...]
// Does what a person does on the page and prints one JSON object of what it SAW; the Rust
// test (tests/tests/all/browser_playground.rs) asserts on it and checks the store.
// <url> is the URL `serve` printed (http://127.0.0.1:PORT/?token=...): it is opened first, as
// a person does (the server sets its token cookie and redirects); <base> below is its origin.
//
// Scenarios:
//   runs <base>                         the runs list: ids and envs of the rows
//   runs-live <base> <run> <secs>       keeps / open until run <run> is listed as completed with a
//                                       final score (no reload); reports the rows initially and then
//   live <base> <run> <want> <secs>     keeps /runs/<run> open until at least <want> candidate rows
//                                       are on the page (no reload); reports rows seen initially and at the end
//   editor-error <base>                 types a broken program into the editor, clicks Check,
//                                       reports the inline diagnostics
//   editor-answer <base>                pastes a broken program wrapped in an LLM's markdown answer,
//                                       clicks Check, reports the extracted line, the editor's text
//                                       and the diagnostics, then clicks "Restore the answer"
//   compare <base> <run> <a> <b>        on /runs/<run>: sorts the candidates by fitness (twice) and
//                                       filters them; then ticks a and b, clicks Compare, and reports the
//                                       comparison shown on the page: columns, rows, curve texts and
//                                       hover titles, diff
//   editor-drafts <base>                edits cartpole's reward, switches to pendulum and back, and
//                                       reports the text, the steps and the notes at each point
//   replay <base> <run>                 opens /runs/<run> and watches the best agent's replay play
//   trainings <base> <want> <secs>      keeps / open until <want> single trainings are listed (no
//                                       reload); reports the rows initially and then, and the page of
//                                       the first `train/` one: status, fitness, replay, source lines
//   envs <base>                         opens /envs: each env's id and the module path it names
//   candidate-conversation <base> <run> <cid>
//                                       opens an LLM candidate's page, reads its answer, opens the
//                                       prompt and reports its messages' roles and texts as shown
//   candidate-diagnostics <base> <run> <cid>
//                                       opens a candidate's page and reports the source lines marked
//                                       with compiler diagnostics and their texts
//   editor-train <base> <steps>         trains the editor's default cartpole reward for <steps> steps
//                                       and reports which checkpoint the result says it replays, the
//                                       replay's policy URL and whether the replay plays
//   rank <base> <run> <k> <best> <worst> <text>
//                                       marks best and worst on the ranking page and sends them
//   final <base> <run>                  opens /runs/<run>: which section comes first, the final
//                                       evaluation's rows, verdict and score; then follows the
//                                       report link and counts the report's final-evaluation rows
//   rank-bytes <base> <run> <k>         opens the ranking page, brings every replay into view until
//                                       each has started (or failed), and reports the bytes the page
//                                       moved over the network (Chrome's encodedDataLength) per URL
//   attack <base> <page>                opens <page> (another origin) that fires no-cors POSTs at
//                                       the playground and tries to read its API; reports what it
//                                       could do, then the runs the playground's own page lists
import { open, main } from './lib.mjs';

const [scenario, url, ...args] = process.argv.slice(2);
const base = url ? new URL(url).origin : undefined;

const rows = (page) =>
  page.$$eval('tbody[data-candidates] tr[data-candidate-id]', (trs) =>
    trs.map((tr) => ({ id: Number(tr.dataset.candidateId), status: tr.dataset.status, live: tr.dataset.live === '1' })));

const scenarios = {
  async runs(page) {
    await page.goto(`${base}/`);
    const runs = await page.$$eval('tr[data-run-id]', (trs) =>
      trs.map((tr) => ({ id: Number(tr.dataset.runId), text: tr.textContent, href: tr.querySelector('a')?.getAttribute('href') })));
    return { title: await page.title(), runs };
  },

  async 'runs-live'(page) {
    const [run, secs] = [Number(args[0]), Number(args[1] ?? 120)];
    await page.goto(`${base}/`);
    let navigations = 0;
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations += 1; });
    const read = () => page.$$eval('tr[data-run-id]', (trs) => trs.map((tr) => ({
      id: Number(tr.dataset.runId),
      status: tr.querySelector('[data-status]')?.textContent,
      final_best: tr.querySelector('[data-final-best]')?.textContent,
      score: tr.querySelector('[data-score]')?.textContent,
    })));
    const initial = await read();
    await page.waitForFunction(
      (id) => document.querySelector(`tr[data-run-id="${id}"] [data-status]`)?.textContent === 'completed',
      run,
      { timeout: secs * 1000, polling: 200 },
    );
    return { initial, final: await read(), navigations };
  },

  async live(page) {
    const [run, want, secs] = [args[0], Number(args[1]), Number(args[2] ?? 600)];
    await page.goto(`${base}/runs/${run}`);
    let navigations = 0;
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations += 1; });
    const initial = await rows(page);
    const initialBest = await page.$('[data-best-candidate]') !== null;
    // Every training progress text that appears on a candidate row, however briefly.
    await page.evaluate(() => {
      window.__progress = [];
      new MutationObserver(() => {
        for (const e of document.querySelectorAll('tbody[data-candidates] [data-progress-text]')) {
          const t = `${e.closest('tr').dataset.candidateId}: ${e.textContent}`;
          if (!window.__progress.includes(t)) window.__progress.push(t);
        }
      }).observe(document.querySelector('tbody[data-candidates]'), { childList: true, subtree: true });
      // And every iteration status shown, in progress ones included.
      window.__iterations = [];
      new MutationObserver(() => {
        for (const li of document.querySelectorAll('[data-iterations] li[data-iteration-key]')) {
          const t = `${li.dataset.iterationKey} ${li.querySelector('[data-iteration-status]')?.textContent}`;
          if (!window.__iterations.includes(t)) window.__iterations.push(t);
        }
      }).observe(document.querySelector('[data-iterations]'), { childList: true, subtree: true });
    });
    await page.waitForFunction(
      (n) => document.querySelectorAll('tbody[data-candidates] tr[data-candidate-id]').length >= n,
      want,
      { timeout: secs * 1000, polling: 200 },
    );
    // The run finishing: its status, and the sections the page refreshes by itself.
    await page.waitForFunction(() => document.querySelector('[data-run-status]').textContent === 'completed', null, { timeout: secs * 1000, polling: 200 })
      .catch(() => {});
    await page.waitForFunction(() => document.querySelector('[data-final-evaluation]') && document.querySelector('[data-best-candidate]'), null, { timeout: 10_000, polling: 200 })
      .catch(() => {});
    await page.waitForTimeout(1000);
    return {
      initial,
      best_initially: initialBest,
      final: await rows(page),
      status: await page.textContent('[data-run-status]'),
      live_label: await page.textContent('[data-live]'),
      best: await page.$eval('[data-best-candidate]', (e) => Number(e.dataset.bestCandidate)).catch(() => null),
      best_replay: await page.$eval('section[data-best] iframe[data-replay]', (f) => f.getAttribute('src')).catch(() => null),
      final_rows: await page.$$eval('[data-final-row]', (rs) => rs.map((r) => r.dataset.finalRow)),
      plot_has_svg: (await page.$('[data-plot] svg')) !== null,
      progress: await page.evaluate(() => window.__progress),
      iterations: await page.evaluate(() => window.__iterations),
      navigations,
    };
  },

  async 'editor-error'(page) {
    await page.goto(`${base}/editor?env=cartpole`);
    const prefilled = await page.inputValue('[data-source-input]');
    const broken = prefilled.replace('let alive = t.add("alive", 1.0);', 'let alive = t.add("alive", no_such_fn(1.0));');
    await page.fill('[data-source-input]', broken);
    const line = broken.split('\n').findIndex((l) => l.includes('no_such_fn')) + 1;
    await page.click('[data-check]');
    await page.waitForFunction(() => ['ok', 'failed', 'error'].includes(document.querySelector('[data-check-result]').dataset.state), null, { timeout: 240_000 });
    const diags = await page.$$eval('[data-diagnostic]', (ds) => ds.map((d) => ({ line: Number(d.dataset.diagnosticLine), text: d.textContent })));
    return {
      state: await page.$eval('[data-check-result]', (e) => e.dataset.state),
      kind: await page.$eval('[data-check-error]', (e) => e.dataset.checkError).catch(() => null),
      expected_line: line,
      diagnostics: diags,
      highlighted: await page.$$eval('[data-diagnostic-view] tr.err', (trs) => trs.map((t) => Number(t.dataset.line))),
    };
  },

  async 'editor-answer'(page) {
    await page.goto(`${base}/editor?env=cartpole`);
    const prefilled = await page.inputValue('[data-source-input]');
    const broken = prefilled.replace('let alive = t.add("alive", 1.0);', 'let alive = t.add("alive", no_such_fn(1.0));');
    const answer = `Here is a better reward.\n\n\`\`\`rust\n${broken.trimEnd()}\n\`\`\`\n\nIt keeps the pole up.\n`;
    await page.fill('[data-source-input]', answer);
    await page.click('[data-check]');
    await page.waitForFunction(() => ['ok', 'failed', 'error'].includes(document.querySelector('[data-check-result]').dataset.state), null, { timeout: 240_000 });
    const program = await page.inputValue('[data-source-input]');
    const seen = {
      state: await page.$eval('[data-check-result]', (e) => e.dataset.state),
      kind: await page.$eval('[data-check-error]', (e) => e.dataset.checkError).catch(() => null),
      extracted: await page.textContent('[data-extracted-line]').catch(() => null),
      program,
      answer_line: answer.split('\n').findIndex((l) => l.includes('no_such_fn')) + 1,
      expected_line: program.split('\n').findIndex((l) => l.includes('no_such_fn')) + 1,
      diagnostics: await page.$$eval('[data-diagnostic]', (ds) => ds.map((d) => ({ line: Number(d.dataset.diagnosticLine), text: d.textContent }))),
      highlighted: await page.$$eval('[data-diagnostic-view] tr.err', (trs) => trs.map((t) => Number(t.dataset.line))),
    };
    await page.click('[data-restore-answer]');
    seen.restored = (await page.inputValue('[data-source-input]')) === answer;
    seen.line_after_restore = await page.$('[data-extracted-line]') !== null;
    return seen;
  },

  async compare(page) {
    const [run, a, b] = args;
    await page.goto(`${base}/runs/${run}`);
    let navigations = 0;
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations += 1; });
    // Sorting and filtering the candidate table.
    const table = () => page.$$eval('tbody[data-candidates] tr[data-candidate-id]', (trs) => trs.map((tr) => ({
      id: Number(tr.dataset.candidateId), status: tr.dataset.status, fitness: tr.querySelector('[data-fitness]').textContent, hidden: tr.hidden,
    })));
    await page.click('[data-sort="fitness"]');
    const by_fitness = await table();
    await page.click('[data-sort="fitness"]');
    const by_fitness_reversed = await table();
    await page.fill('[data-candidate-filter]', 'trained');
    const filtered = await table();
    const count = await page.textContent('[data-candidate-count]');
    await page.fill('[data-candidate-filter]', '');
    // Comparing, on this page.
    await page.check(`[data-compare-pick="${a}"]`);
    await page.check(`[data-compare-pick="${b}"]`);
    await page.click('[data-compare-go]');
    const inline = await page.waitForSelector('[data-compare-inline] main[data-compare]', { timeout: 20_000 });
    const q = (sel) => `[data-compare-inline] ${sel}`;
    return {
      url: new URL(page.url()).pathname + new URL(page.url()).search,
      navigations,
      link: await page.getAttribute(q('[data-compare-link]'), 'href'),
      sorted: { by_fitness, by_fitness_reversed, filtered, count },
      columns: await page.$$eval(q('[data-compare-candidate]'), (ths) => ths.map((th) => Number(th.dataset.compareCandidate))),
      rows: await page.$$eval(q('[data-compare-row]'), (trs) => trs.map((tr) => ({ key: tr.dataset.compareRow, cells: [...tr.querySelectorAll('td')].map((td) => td.textContent) }))),
      curve_texts: await page.$$eval(q('[data-compare-curves] svg text'), (ts) => ts.map((t) => t.textContent.trim())),
      hover: await page.$$eval(q('[data-compare-curves] svg title'), (ts) => ts.map((t) => t.textContent)),
      diff_summary: await inline.$eval('[data-diff-summary]', (e) => e.textContent),
    };
  },

  async 'editor-drafts'(page) {
    await page.goto(`${base}/editor?env=cartpole`);
    const read = async () => ({
      env: await page.inputValue('[data-env-picker]'),
      source: await page.inputValue('[data-source-input]'),
      steps: Number(await page.inputValue('[data-steps]')),
      budget_note: await page.textContent('[data-budget-note]'),
      draft_note: await page.textContent('[data-draft-note]'),
    });
    const start = await read();
    const edited = `${start.source}\n// my change\n`;
    await page.fill('[data-source-input]', edited);
    const pick = async (env) => {
      const before = await page.inputValue('[data-source-input]');
      await page.selectOption('[data-env-picker]', env);
      await page.waitForFunction((b) => document.querySelector('[data-source-input]').value !== b, before, { timeout: 20_000 });
      return read();
    };
    const pendulum = await pick('pendulum-v0');
    const back = await pick('cartpole-v0');
    return { start, edited, pendulum, back };
  },

  async trainings(page) {
    const [want, secs] = [Number(args[0]), Number(args[1] ?? 300)];
    await page.goto(`${base}/`);
    let navigations = 0;
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations += 1; });
    const read = () => page.$$eval('tr[data-training]', (trs) => trs.map((tr) => ({
      key: tr.dataset.training,
      status: tr.querySelector('[data-status]').textContent,
      late: tr.querySelector('[data-late-fitness]').textContent,
      best: tr.querySelector('[data-best-fitness]').textContent,
      href: tr.querySelector('a').getAttribute('href'),
    })));
    const initial = await read();
    await page.waitForFunction((n) => document.querySelectorAll('tr[data-training]').length >= n, want, { timeout: secs * 1000, polling: 200 });
    const rows = await read();
    const live_navigations = navigations;
    const train = rows.find((r) => r.key.startsWith('train/'));
    await page.goto(`${base}${train.href}`);
    const iframe = await page.waitForSelector('iframe[data-replay]');
    const frame = await iframe.contentFrame();
    await frame.waitForFunction(() => ['running', 'paused', 'done', 'error'].includes(document.body?.dataset.status), null, { timeout: 60_000 });
    return {
      initial,
      rows,
      navigations: live_navigations,
      page: {
        status: await page.textContent('[data-status]'),
        late: await page.textContent('[data-late-fitness]'),
        checkpoint: await page.$eval('[data-replay-checkpoint]', (e) => e.dataset.replayCheckpoint),
        src: await iframe.getAttribute('src'),
        replay: await frame.evaluate(() => ({ status: document.body.dataset.status, error: document.body.dataset.error ?? null })),
        source_lines: await page.$$eval('table[data-source] tr[data-line]', (trs) => trs.length),
        curves: await page.$eval('img[data-train-diagnostics]', async (img) => { await img.decode().catch(() => {}); return img.naturalWidth; }),
        // The figure opened by itself (the page links it): smoothing and hover titles.
        figure: await page.evaluate(async () => {
          const svg = new DOMParser().parseFromString(await (await fetch(document.querySelector('img[data-train-diagnostics]').src)).text(), 'image/svg+xml');
          const titles = [...svg.querySelectorAll('circle > title')].map((t) => t.textContent);
          return {
            smoothed: [...svg.querySelectorAll('text')].map((t) => t.textContent.trim()).filter((t) => t.endsWith('· smoothed 0.6')),
            titles: titles.length,
            fitness_titles: titles.filter((t) => t.startsWith('charts/fitness · step ')).length,
          };
        }),
      },
    };
  },

  async envs(page) {
    await page.goto(`${base}/envs`);
    return {
      envs: await page.$$eval('section[data-env]', (ss) => ss.map((s) => ({
        id: s.dataset.env,
        paths: [...s.querySelectorAll('code')].map((c) => c.textContent).filter((t) => t.startsWith('rewardsmith_guest::')),
      }))),
    };
  },

  async 'candidate-conversation'(page) {
    const [run, cid] = args;
    await page.goto(`${base}/runs/${run}/candidates/${cid}`);
    const answer = await page.$eval('[data-llm-answer] pre', (e) => ({ text: e.innerText, visible: e.checkVisibility() }));
    const hidden = await page.$eval('[data-llm-prompt] h3', (e) => e.checkVisibility());
    await page.click('[data-llm-prompt] summary');
    return {
      answer,
      prompt_hidden_at_first: !hidden,
      messages: await page.$$eval('[data-llm-prompt] h3[data-llm-role]', (hs) => hs.map((h) => ({
        role: h.dataset.llmRole, text: h.nextElementSibling.innerText, visible: h.nextElementSibling.checkVisibility(),
      }))),
    };
  },

  async 'candidate-diagnostics'(page) {
    const [run, cid] = args;
    await page.goto(`${base}/runs/${run}/candidates/${cid}`);
    return {
      marked: await page.$$eval('table[data-source] tr[data-line].err', (trs) => trs.map((tr) => Number(tr.dataset.line))),
      diagnostics: await page.$$eval('table[data-source] tr[data-diagnostic]', (trs) => trs.map((tr) => ({
        line: Number(tr.dataset.diagnosticLine),
        text: tr.textContent,
        after: Number(tr.previousElementSibling?.dataset.line ?? -1),
      }))),
    };
  },

  async 'editor-train'(page) {
    const [steps] = args;
    await page.goto(`${base}/editor?env=cartpole`);
    await page.fill('[data-steps]', steps);
    await page.click('[data-train]');
    const note = await page.waitForSelector('[data-train-checkpoint]', { timeout: 600_000 });
    const iframe = await page.waitForSelector('[data-train-replay] iframe[data-replay]');
    const frame = await iframe.contentFrame();
    await frame.waitForFunction(
      () => ['running', 'paused', 'done', 'error'].includes(document.body?.dataset.status),
      null,
      { timeout: 60_000 },
    );
    return {
      job: Number(await page.$eval('[data-train-status]', (e) => e.dataset.job)),
      status: await page.$eval('[data-train-status]', (e) => e.dataset.state),
      checkpoint: await note.getAttribute('data-train-checkpoint'),
      note: await note.textContent(),
      src: await iframe.getAttribute('src'),
      replay: await frame.evaluate(() => ({ status: document.body.dataset.status, error: document.body.dataset.error ?? null })),
    };
  },

  async replay(page) {
    const [run] = args;
    await page.goto(`${base}/runs/${run}`);
    const best = await page.$eval('[data-best-candidate]', (e) => Number(e.dataset.bestCandidate));
    const iframe = await page.waitForSelector('iframe[data-replay]');
    await iframe.scrollIntoViewIfNeeded();
    const frame = await iframe.contentFrame();
    await frame.waitForFunction(
      () => ['running', 'paused', 'done', 'error'].includes(document.body?.dataset.status),
      null,
      { timeout: 60_000 },
    );
    const read = () => frame.evaluate(() => ({
      status: document.body.dataset.status,
      error: document.body.dataset.error ?? null,
      backend: document.body.dataset.backend ?? null,
      stepCount: window.rewardsmith?.stepCount ?? null,
      bodies: window.rewardsmith?.bodiesOnScreen?.().length ?? 0,
    }));
    const first = await read();
    // Playing at the control rate: steps advance while we watch.
    await page.waitForTimeout(1500);
    // How much of the frame the HUD covers.
    const hud = await frame.evaluate(() => {
      const r = document.getElementById('hud').getBoundingClientRect();
      return { width: r.width, height: r.height, left: r.left, top: r.top, frame_width: innerWidth, frame_height: innerHeight };
    });
    const checkpoint = await page.$eval('section[data-best] [data-replay-checkpoint]', (e) => ({ which: e.dataset.replayCheckpoint, text: e.textContent }));
    const seen = { best, src: await iframe.getAttribute('src'), checkpoint, first, later: await read(), hud };
    // The page on a phone: nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    seen.phone = await page.evaluate(() => ({ scroll_width: document.scrollingElement.scrollWidth, width: innerWidth }));
    return seen;
  },

  async rank(page) {
    const [run, k, best, worst, text] = args;
    await page.goto(`${base}/runs/${run}/iterations/${k}/rank`);
    const cards = await page.$$eval('[data-rank-candidate]', (cs) => cs.map((c) => Number(c.dataset.rankCandidate)));
    await page.check(`input[data-best="${best}"]`);
    await page.check(`input[data-worst="${worst}"]`);
    await page.fill('[data-feedback-text]', text ?? '');
    await page.click('[data-submit-feedback]');
    await page.waitForFunction(() => document.querySelector('[data-feedback-result]').dataset.state, null, { timeout: 20_000 });
    const seen = {
      cards,
      fitness_shown: (await page.$$('[data-card-fitness]')).length,
      replays: await page.$$eval('iframe[data-replay]', (fs) => fs.map((f) => f.getAttribute('src'))),
      state: await page.$eval('[data-feedback-result]', (e) => e.dataset.state),
      feedback_id: await page.$eval('[data-feedback-result]', (e) => Number(e.dataset.feedbackId || 0)),
      message: await page.textContent('[data-feedback-result]'),
      listed: await page.$$eval('[data-feedback-item]', (ls) => ls.map((l) => Number(l.dataset.feedbackItem))),
    };
    // A second click on the same choice is the same item.
    await page.$eval('[data-feedback-result]', (e) => { delete e.dataset.state; });
    await page.click('[data-submit-feedback]');
    await page.waitForFunction(() => document.querySelector('[data-feedback-result]').dataset.state, null, { timeout: 20_000 });
    seen.again = {
      feedback_id: await page.$eval('[data-feedback-result]', (e) => Number(e.dataset.feedbackId || 0)),
      duplicate: await page.$eval('[data-feedback-result]', (e) => e.dataset.duplicate),
      message: await page.textContent('[data-feedback-result]'),
    };
    // After a reload the choice is still listed; blind mode hides fitness.
    await page.reload();
    seen.listed_after_reload = await page.$$eval('[data-feedback-item]', (ls) => ls.map((l) => ({ id: Number(l.dataset.feedbackItem), text: l.textContent })));
    await page.goto(`${base}/runs/${run}/iterations/${k}/rank?blind=1`);
    seen.blind_fitness_shown = (await page.$$('[data-card-fitness]')).length;
    return seen;
  },

  async final(page) {
    const [run] = args;
    await page.goto(`${base}/runs/${run}`);
    const seen = await page.evaluate(() => {
      const main = document.querySelector('main[data-run]');
      const first = [...main.children].find((e) => e.matches('section[data-final], h2, ul[data-iterations]'));
      return {
        first_section: first?.matches('section[data-final]') ? 'final' : first?.textContent,
        rows: [...document.querySelectorAll('[data-final-row]')].map((r) => ({
          which: r.dataset.finalRow, mean: r.dataset.mean === '' ? null : Number(r.dataset.mean), text: r.textContent,
        })),
        verdict: document.querySelector('[data-verdict]')?.textContent ?? null,
        score: document.querySelector('[data-score]')?.textContent ?? null,
        plot_texts: [...document.querySelectorAll('[data-plot] svg text')].map((t) => t.textContent.trim()),
      };
    });
    const [resp] = await Promise.all([page.waitForNavigation(), page.click('[data-report-link]')]);
    seen.report = {
      status: resp.status(),
      title: await page.title(),
      final_rows: (await page.$$('[data-final-row]')).length,
    };
    // A mutated child's page: its diff against the parent it links to.
    const cands = (await (await page.request.get(`${base}/api/runs/${run}`)).json()).candidates;
    const child = cands.find((c) => c.origin === 'offline' && c.parent_id);
    if (child) {
      await page.goto(`${base}/runs/${run}/candidates/${child.id}`);
      seen.diff = {
        child: child.id,
        parent: await page.$eval('[data-parent]', (a) => Number(a.dataset.parent)).catch(() => null),
        summary: await page.textContent('[data-diff-summary]').catch(() => null),
        diagnostics: await page.$eval('img[data-train-diagnostics]', async (img) => { await img.decode().catch(() => {}); return img.naturalWidth; }).catch(() => 0),
        rows: await page.$$eval('tr[data-diff-line]', (trs) => trs.map((tr) => ({ sign: tr.dataset.diffLine, text: tr.lastElementChild.textContent }))),
      };
    }
    return seen;
  },

  async 'rank-bytes'(page) {
    const [run, k] = args;
    // Every request of the page and its same-origin frames, as the network saw it.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    const requests = new Map();
    cdp.on('Network.responseReceived', (e) => {
      const r = requests.get(e.requestId) ?? {};
      requests.set(e.requestId, { ...r, url: e.response.url, status: e.response.status, encoding: e.response.headers['content-encoding'] ?? e.response.headers['Content-Encoding'] ?? null, fromCache: e.response.fromDiskCache || e.response.fromMemoryCache || false });
    });
    cdp.on('Network.requestServedFromCache', (e) => {
      requests.set(e.requestId, { ...(requests.get(e.requestId) ?? {}), fromCache: true });
    });
    cdp.on('Network.loadingFinished', (e) => {
      requests.set(e.requestId, { ...(requests.get(e.requestId) ?? {}), bytes: e.encodedDataLength });
    });
    await page.goto(`${base}/runs/${run}/iterations/${k}/rank`);
    const frames = await page.$$('iframe[data-replay]');
    for (const f of frames) {
      await f.scrollIntoViewIfNeeded();
      const frame = await f.contentFrame();
      await frame.waitForFunction(
        () => ['running', 'paused', 'done', 'error'].includes(document.body?.dataset.status),
        null,
        { timeout: 120_000 },
      );
    }
    await page.waitForTimeout(500);
    const all = [...requests.values()].filter((r) => r.url);
    const path = (u) => new URL(u).pathname;
    return {
      cards: await page.$$eval('[data-rank-candidate]', (cs) => cs.map((c) => Number(c.dataset.rankCandidate))),
      srcs: await page.$$eval('iframe[data-replay]', (fs) => fs.map((f) => f.getAttribute('src'))),
      total_bytes: all.reduce((n, r) => n + (r.bytes ?? 0), 0),
      runtime_bytes: all.filter((r) => path(r.url).startsWith('/runtime/')).reduce((n, r) => n + (r.bytes ?? 0), 0),
      wasm: all.filter((r) => path(r.url).endsWith('.wasm') && path(r.url).startsWith('/runtime/'))
        .map((r) => ({ url: path(r.url), bytes: r.bytes ?? 0, fromCache: !!r.fromCache, encoding: r.encoding, status: r.status })),
      statuses: await Promise.all(frames.map(async (f) => (await f.contentFrame()).evaluate(() => document.body.dataset.status))),
    };
  },

  async attack(page) {
    const [attackPage] = args;
    await page.goto(attackPage);
    await page.waitForFunction(() => document.body?.dataset.done === '1', null, { timeout: 60_000 });
    const seen = await page.evaluate(() => ({ sent: Number(document.body.dataset.sent), read: document.body.dataset.read }));
    await page.goto(`${base}/`);
    const runs = await page.$$eval('tr[data-run-id]', (trs) => trs.map((tr) => Number(tr.dataset.runId)));
    return { ...seen, own_page_runs: runs };
  },
};

main(async () => {
  const run = scenarios[scenario];
  if (!run || !base) throw new Error(`usage: playground.mjs <${Object.keys(scenarios).join('|')}> <url> [args]`);
  const { page, errors, close } = await open();
  try {
    // The printed URL: the token becomes an HttpOnly cookie and the server redirects to `/`.
    const first = await page.goto(url);
    if (!first.ok()) throw new Error(`opening ${new URL(url).pathname} answered ${first.status()}`);
    const seen = await run(page);
    return { scenario, ...seen, errors };
  } finally {
    await close();
  }
});
