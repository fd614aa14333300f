// rewardsmith playground: live run updates (server-sent events), the reward editor and the
// preference form. Plain ES module, no framework; hooks are the data-* attributes in docs/web.md.

const $ = (sel, root = document) => root.querySelector(sel);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const fmt = (v) => (v === null || v === undefined ? "–" : Number(v).toFixed(3));

async function postJson(url, body) {
  const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  let data = null;
  try { data = await r.json(); } catch { data = null; }
  return { status: r.status, data };
}

// ----- one run: live updates -----
function livePage() {
  const main = $("[data-run]");
  const id = main.dataset.run;
  const tbody = $("[data-candidates]");
  let plotTimer = null;
  const redrawPlot = () => {
    clearTimeout(plotTimer);
    plotTimer = setTimeout(async () => {
      const r = await fetch(`/runs/${id}/plot.svg`);
      if (r.ok) $("[data-plot]").innerHTML = await r.text();
    }, 300);
  };
  // Sections the server renders from the store — the best agent (with its replay) and the
  // final evaluation — are fetched again when they may have changed, and swapped in only
  // when they did (a replay is not restarted for nothing).
  let refreshTimer = null;
  const refreshSections = () => {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(async () => {
      const r = await fetch(`/runs/${id}`);
      if (!r.ok) return;
      const doc = new DOMParser().parseFromString(await r.text(), "text/html");
      const swap = (sel, same) => {
        const fresh = doc.querySelector(sel), old = $(sel);
        if (fresh && old && !same(fresh, old)) old.replaceWith(document.importNode(fresh, true));
      };
      swap("section[data-best]", (a, b) => a.dataset.bestId === b.dataset.bestId);
      swap("section[data-final]", (a, b) => a.innerHTML === b.innerHTML);
    }, 300);
  };
  // Sorting (click a header; again to reverse) and filtering (rows whose text contains the
  // query), kept as live rows arrive.
  let sortKey = null, sortDir = 1;
  const cell = (tr, key) => {
    const i = { candidate: 1, origin: 2, status: 3, fitness: 4 }[key];
    return tr.children[i]?.textContent ?? "";
  };
  const arrange = () => {
    const rows = [...tbody.querySelectorAll("tr[data-candidate-id]")];
    if (sortKey) {
      const num = (t) => { const v = parseFloat(t); return Number.isNaN(v) ? -Infinity : v; };
      rows.sort((a, b) => {
        const [x, y] = [cell(a, sortKey), cell(b, sortKey)];
        const c = sortKey === "fitness" ? num(x) - num(y) : x.localeCompare(y, undefined, { numeric: true });
        return sortDir * c || Number(a.dataset.candidateId) - Number(b.dataset.candidateId);
      });
      tbody.append(...rows);
    }
    const q = $("[data-candidate-filter]").value.trim().toLowerCase();
    let shown = 0;
    for (const tr of rows) {
      tr.hidden = q !== "" && !tr.textContent.toLowerCase().includes(q);
      if (!tr.hidden) shown += 1;
    }
    $("[data-candidate-count]").textContent = q ? `${shown} of ${rows.length} shown` : "";
  };
  document.querySelectorAll("[data-sort]").forEach((btn) => btn.addEventListener("click", () => {
    sortDir = sortKey === btn.dataset.sort ? -sortDir : (btn.dataset.sort === "fitness" ? -1 : 1);
    sortKey = btn.dataset.sort;
    document.querySelectorAll("[data-sort]").forEach((b) => { delete b.dataset.sorted; });
    btn.dataset.sorted = sortDir > 0 ? "ascending" : "descending";
    arrange();
  }));
  $("[data-candidate-filter]").addEventListener("input", arrange);
  // The comparison opens on this page, under the table (its own URL is linked for sharing).
  $("[data-compare-go]").addEventListener("click", async () => {
    const ids = [...document.querySelectorAll("[data-compare-pick]:checked")].map((i) => i.dataset.comparePick);
    const out = $("[data-compare-inline]");
    out.hidden = false;
    if (ids.length < 2 || ids.length > 8) {
      out.innerHTML = `<p class="diag" data-compare-error>Tick 2 to 8 candidates to compare (${ids.length} ticked).</p>`;
      return;
    }
    const url = `/runs/${id}/compare?${ids.map((c) => `c=${c}`).join("&")}`;
    out.innerHTML = "<p>comparing…</p>";
    const r = await fetch(url);
    const doc = new DOMParser().parseFromString(await r.text(), "text/html");
    const main = doc.querySelector("main[data-compare]");
    if (!r.ok || !main) {
      out.innerHTML = `<p class="diag" data-compare-error>${esc(doc.body?.textContent?.trim() || `failed (${r.status})`)}</p>`;
      return;
    }
    out.replaceChildren(document.importNode(main, true));
    out.insertAdjacentHTML("afterbegin", `<p><a href="${url}" data-compare-link>Open this comparison on its own page</a> · <button data-compare-close>Close</button></p>`);
    $("[data-compare-close]", out).addEventListener("click", () => { out.hidden = true; out.replaceChildren(); });
    out.scrollIntoView({ block: "start" });
  });
  const src = new EventSource(`/api/runs/${id}/events`);
  src.addEventListener("candidate", (e) => {
    const c = JSON.parse(e.data);
    let tr = tbody.querySelector(`tr[data-candidate-id="${c.id}"]`);
    if (!tr) {
      tr = document.createElement("tr");
      tr.dataset.candidateId = c.id;
      tr.dataset.live = "1";
      tbody.appendChild(tr);
    }
    tr.dataset.status = c.status;
    tr.dataset.iteration = c.iteration;
    const err = c.error_kind ? `<b>${esc(c.error_kind)}</b> ${esc(c.error)}` : "";
    const picked = tr.querySelector("[data-compare-pick]")?.checked ? " checked" : "";
    tr.innerHTML = `<td><input type="checkbox" data-compare-pick="${c.id}" aria-label="compare"${picked}></td>` +
      `<td><a href="/runs/${id}/candidates/${c.id}">${esc(c.label)}</a></td><td>${esc(c.origin)}</td>` +
      `<td class="${esc(c.status)}">${esc(c.status)}${c.progress ? ` <progress data-progress max="${c.progress.total_steps}" value="${c.progress.steps}"></progress> <span data-progress-text>training: ${c.progress.steps.toLocaleString("en")} / ${c.progress.total_steps.toLocaleString("en")} steps</span>` : ""}</td>` +
      `<td data-fitness>${fmt(c.fitness)}</td><td>${err}</td>`;
    arrange();
    if (c.status === "trained") redrawPlot();
  });
  src.addEventListener("iteration", (e) => {
    const it = JSON.parse(e.data);
    const ul = $("[data-iterations]");
    const key = `${it.idx}.${it.attempt}`;
    let li = ul.querySelector(`li[data-iteration-key="${key}"]`);
    if (!li) {
      li = document.createElement("li");
      li.dataset.iterationKey = key;
      ul.appendChild(li);
    }
    const retry = it.attempt > 0 ? ` (retry ${it.attempt})` : "";
    li.innerHTML = `iteration ${it.idx}${retry} — <span data-iteration-status>${esc(it.status)}</span> ` +
      `<a href="/runs/${id}/iterations/${it.idx}/rank">rank its candidates</a>`;
    redrawPlot();
    refreshSections();
  });
  src.addEventListener("status", (e) => {
    const s = JSON.parse(e.data);
    $("[data-run-status]").textContent = s.status;
    $("[data-live]").textContent = s.status === "running" ? "live" : "finished";
    redrawPlot();
    refreshSections();
  });
  const running = () => $("[data-run-status]").textContent === "running";
  src.onopen = () => { $("[data-live]").textContent = running() ? "live" : "finished"; };
  src.onerror = () => { $("[data-live]").textContent = "reconnecting…"; };
}

// ----- the runs list: live -----
// The list is the server's rendering, fetched again every 2 s and swapped in when it changed.
function runsPage() {
  const poll = async () => {
    try {
      const r = await fetch("/");
      if (r.ok) {
        const doc = new DOMParser().parseFromString(await r.text(), "text/html");
        for (const sel of ["table[data-runs] tbody", "section[data-trainings-section]"]) {
          const fresh = doc.querySelector(sel), old = $(sel);
          if (fresh && old && fresh.innerHTML !== old.innerHTML) old.replaceWith(document.importNode(fresh, true));
        }
        const empty = $("[data-no-runs]");
        if (empty && !doc.querySelector("[data-no-runs]")) empty.remove();
      }
    } finally {
      setTimeout(poll, 2000);
    }
  };
  setTimeout(poll, 2000);
}

// ----- preference ranking -----
function rankPage() {
  const main = $("[data-rank]");
  const button = $("[data-submit-feedback]");
  if (!button) return;
  button.addEventListener("click", async () => {
    const out = $("[data-feedback-result]");
    const best = $("input[name=best]:checked");
    const worst = $("input[name=worst]:checked");
    if (!best || !worst) { out.textContent = "mark one best and one worst"; out.dataset.state = "error"; return; }
    const body = { iteration: Number(main.dataset.iteration), best: Number(best.value), worst: Number(worst.value), text: $("[data-feedback-text]").value };
    const r = await postJson(`/api/runs/${main.dataset.run}/feedback`, body);
    if (r.status === 201 || r.status === 200) {
      const again = r.status === 200;
      out.textContent = `${again ? "already saved as" : "saved:"} feedback #${r.data.id}; ${r.data.used_by}`;
      out.dataset.state = "ok";
      out.dataset.feedbackId = r.data.id;
      out.dataset.duplicate = again ? "1" : "0";
      if (!again) {
        const li = document.createElement("li");
        li.dataset.feedbackItem = r.data.id;
        li.textContent = `#${r.data.id} best ${body.best}, worst ${body.worst}${body.text.trim() ? `: "${body.text}"` : ""} (pending)`;
        $("[data-past-feedback]").append(li);
      }
    }
    else { out.textContent = r.data?.error?.message ?? `failed (${r.status})`; out.dataset.state = "error"; }
  });
}

// ----- editor -----
function showDiagnostics(source, diags) {
  const box = $("[data-diagnostics]");
  if (!diags.length) { box.innerHTML = ""; return; }
  const byLine = new Map();
  for (const d of diags) {
    if (!byLine.has(d.line)) byLine.set(d.line, []);
    byLine.get(d.line).push(d);
  }
  let html = '<table class="src" data-diagnostic-view>';
  source.split("\n").forEach((text, i) => {
    const n = i + 1;
    const here = byLine.get(n) ?? [];
    html += `<tr data-line="${n}" class="${here.length ? "err" : ""}"><td class="ln">${n}</td><td>${esc(text)}</td></tr>`;
    for (const d of here) {
      html += `<tr data-diagnostic data-diagnostic-line="${n}"><td class="ln"></td><td class="diag">line ${n}:${d.column}: ${esc(d.message)}${d.label ? ` (${esc(d.label)})` : ""}</td></tr>`;
    }
  });
  html += "</table>";
  for (const d of byLine.get(0) ?? []) html += `<p class="diag" data-diagnostic data-diagnostic-line="0">${esc(d.text)}</p>`;
  box.innerHTML = html;
}

// An LLM answer pasted in (text with ``` fences): the server extracted its program. The
// editor then holds that program, so diagnostics' line numbers are its lines; the answer can
// be put back.
let shownProgram = null;
function showExtracted(extracted, answer) {
  const box = $("[data-extracted]");
  const input = $("[data-source-input]");
  if (!extracted) {
    // Checking the extracted program again keeps the line (and the way back to the answer).
    if (input.value !== shownProgram) { box.innerHTML = ""; shownProgram = null; }
    return;
  }
  input.value = extracted.program;
  shownProgram = extracted.program;
  box.innerHTML = `<p data-extracted-line>extracted: ${esc(extracted.description)}. The editor now holds the ` +
    `extracted program (line numbers refer to it). <button data-restore-answer>Restore the answer</button></p>`;
  $("[data-restore-answer]", box).addEventListener("click", () => {
    input.value = answer;
    box.innerHTML = "";
    shownProgram = null;
  });
}

function editorPage() {
  const picker = $("[data-env-picker]");
  const input = $("[data-source-input]");
  const result = $("[data-check-result]");
  // Switching env never throws edits away: each env's text is kept as a draft, and the
  // steps follow the env's training budget (within the editor's cap) unless you set them.
  const steps = $("[data-steps]");
  const drafts = new Map();
  let shown = picker.value, example = input.value;
  steps.addEventListener("input", () => { steps.dataset.touched = "1"; });
  picker.addEventListener("change", async () => {
    const from = shown, to = picker.value;
    if (input.value !== example) drafts.set(from, input.value);
    const r = await fetch(`/api/envs/${encodeURIComponent(to)}/example`);
    if (!r.ok) return;
    example = (await r.json()).source;
    input.value = drafts.get(to) ?? example;
    shown = to;
    const note = $("[data-draft-note]");
    note.textContent = drafts.has(from) ? `your ${from} edits are kept: pick ${from} again to get them back` : "";
    note.dataset.kept = drafts.has(from) ? from : "";
    const budget = Number(picker.selectedOptions[0].dataset.budget), max = Number(steps.max);
    if (!steps.dataset.touched) steps.value = Math.min(budget, max);
    $("[data-budget-note]").textContent = `(the env's budget is ${budget}; the editor trains at most ${max})`;
  });
  $("[data-check]").addEventListener("click", async () => {
    result.textContent = "checking… (the first compile takes a while)";
    result.dataset.state = "running";
    const source = input.value;
    const r = await postJson("/api/check", { env: picker.value, source });
    if (r.status !== 200) { result.textContent = r.data?.error?.message ?? `failed (${r.status})`; result.dataset.state = "error"; return; }
    showExtracted(r.data.extracted, source);
    const program = r.data.extracted?.program ?? source;
    if (r.data.ok) {
      const rep = r.data.report;
      result.innerHTML = `<p data-check-ok>ok: ${rep.transitions} transitions, total reward mean ${fmt(rep.total.mean)} ` +
        `(${rep.terms.map((t) => `${esc(t.name)} ${fmt(t.mean)}`).join(", ")})</p>`;
      result.dataset.state = "ok";
      showDiagnostics(program, []);
    } else {
      const e = r.data.error;
      result.innerHTML = `<p class="diag" data-check-error="${esc(e.kind)}">${esc(e.kind)}</p><pre>${esc(e.message)}</pre>`;
      result.dataset.state = "failed";
      showDiagnostics(program, e.diagnostics ?? []);
    }
  });
  $("[data-train]").addEventListener("click", async () => {
    const status = $("[data-train-status]");
    const source = input.value;
    const r = await postJson("/api/train", { env: picker.value, source, steps: Number($("[data-steps]").value) });
    if (r.status !== 202) { status.textContent = r.data?.error?.message ?? `failed (${r.status})`; status.dataset.state = "error"; return; }
    showExtracted(r.data.extracted, source);
    const job = r.data.job;
    status.dataset.job = job;
    const poll = async () => {
      const s = await (await fetch(`/api/train/${job}`)).json();
      const p = s.progress;
      status.textContent = `training ${job}: ${p.status}, ${p.steps}/${p.total_steps} steps, fitness ${fmt(p.fitness)}${p.error ? ` — ${p.error}` : ""}`;
      status.dataset.state = p.status;
      if (!s.done) { setTimeout(poll, 1000); return; }
      if (s.result) {
        const files = `/api/train/${job}/`;
        // The best checkpoint (best held-out fitness during training) is what replays, as
        // `rewardsmith eval` and `export-demo` use by default; both policies are saved.
        const best = s.result.best;
        const policy = best ? "policy-best.safetensors" : "policy.safetensors";
        $("[data-train-curves]").innerHTML = `<img data-train-svg src="${files}curves.svg" alt="training curves">` +
          `<p data-train-checkpoint="${best ? "best" : "last"}">${best
            ? `Replaying the best checkpoint: iteration ${best.iteration}, step ${best.step}, held-out fitness ${fmt(best.fitness.mean)} ± ${fmt(best.fitness.std)} over ${best.fitness.n} episodes (late training fitness ${fmt(s.result.late_fitness?.mean)}). Saved in the run folder as <a href="${files}policy-best.safetensors">policy-best.safetensors</a> beside the last policy, <a href="${files}policy.safetensors">policy.safetensors</a>.`
            : `Replaying the last policy (this training kept no best checkpoint).`}</p>`;
        const replay = $("[data-train-replay]");
        if (replay.dataset.runtime) {
          const env = encodeURIComponent(p.env);
          replay.innerHTML = `<iframe data-replay src="/runtime/${replay.dataset.runtime}/index.html?env=${env}&policy=${files}${policy}&reward=${files}reward.wasm&seed=0&autoplay=1"></iframe>`;
        } else {
          replay.innerHTML = $("[data-runtime-hint]").innerHTML;
        }
      }
    };
    poll();
  });
}

const page = document.body.dataset.page;
if (page === "runs") runsPage();
if (page === "run") livePage();
if (page === "rank") rankPage();
if (page === "editor") editorPage();
