// Per-connection insight on the Events & Hooks cards: success rate and latency over
// 24 h and 7 d (GET /webhooks/<id>/stats, GET /hooks/<id>/stats) as two small bars.

import { h, replace } from "../dom.js";

const WINDOWS = [["24h", "24 h"], ["7d", "7 d"]];

function percent(rate) {
  return `${Math.round(rate * 1000) / 10}%`;
}

function windowRow(label, stats) {
  const rate = stats.success_rate;
  const text = stats.attempts
    ? `${percent(rate)} of ${stats.attempts} · p50 ${stats.latency_ms.p50 ?? "—"} ms · `
      + `p95 ${stats.latency_ms.p95 ?? "—"} ms`
    : "no attempts";
  const tone = rate === null ? "" : rate >= 0.95 ? "ok" : rate >= 0.5 ? "warn" : "bad";
  const fill = h("span", { class: `insight-fill ${tone ? `insight-${tone}` : ""}` });
  fill.style.width = `${rate === null ? 0 : Math.round(rate * 100)}%`; // CSSOM: allowed by the CSP
  return h("div", { class: "insight-row", dataset: { window: stats.window } },
    h("span", { class: "insight-label" }, label),
    h("span", { class: "insight-bar", role: "img",
      "aria-label": rate === null ? `${label}: no attempts` : `${label}: ${percent(rate)} succeeded` },
    fill),
    h("span", { class: "insight-text" }, text));
}

// Loads both windows; an error shows as a quiet line (the card stays usable).
export function insightBlock(api, path, id) {
  const block = h("div", { class: "insight", dataset: { role: "insight" } },
    h("span", { class: "hint" }, "Loading insight…"));
  Promise.all(WINDOWS.map(([window]) => api.get(`${path}/${id}/stats`, { window })))
    .then((all) => replace(block, all.map((stats, i) => windowRow(WINDOWS[i][1], stats))))
    .catch((err) => replace(block, h("span", { class: "hint" }, `Insight unavailable: ${err.message}`)));
  return block;
}
