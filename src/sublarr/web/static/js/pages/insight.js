// Per-subscriber delivery insight on the connection cards (webhooks, hooks, notifications):
// success rate and latency p50/p95 over 24 h and 7 d (GET <path>/<id>/stats?window=), drawn as
// a small inline SVG bar chart plus one line of figures per window.

import { h, replace } from "../dom.js";

const WINDOWS = [["24h", "24 h"], ["7d", "7 d"]];
const SVG_NS = "http://www.w3.org/2000/svg";
const TOP = 26; // room for the panel title and the value labels above the bars
const PLOT = 52; // bar height at 100 % / at the largest latency
const BASE = TOP + PLOT;

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) el.append(child);
  }
  return el;
}

export function percent(rate) {
  return `${Math.round(rate * 1000) / 10}%`;
}

function toneOf(rate) {
  if (rate === null || rate === undefined) return "none";
  return rate >= 0.95 ? "ok" : rate >= 0.5 ? "warn" : "bad";
}

function bar({ x, width, value, scale, cls, metric, window, title }) {
  const height = value === null || value === undefined || !scale ? 0
    : Math.max(value > 0 ? 1 : 0, Math.round((value / scale) * PLOT * 10) / 10);
  return s("rect", { x, y: BASE - height, width, height, class: cls,
    "data-metric": metric, "data-window": window, "data-value": value ?? "" },
  s("title", {}, title));
}

function label(x, y, text, cls = "ins-label") {
  return s("text", { x, y, class: cls, "text-anchor": "middle" }, text);
}

function successPanel(all) {
  return s("g", { "data-panel": "success" },
    s("text", { x: 0, y: 9, class: "ins-title" }, "Success"),
    all.flatMap((stats, i) => {
      const x = 8 + i * 44;
      const rate = stats.attempts ? stats.success_rate : null;
      const name = WINDOWS[i][1];
      return [
        s("rect", { x, y: TOP, width: 28, height: PLOT, class: "ins-bg" }),
        bar({ x, width: 28, value: rate, scale: 1, cls: `ins-${toneOf(rate)}`, metric: "success",
          window: stats.window, title: rate === null ? `${name}: no attempts`
            : `${name}: ${percent(rate)} of ${stats.attempts} succeeded` }),
        label(x + 14, TOP - 3, rate === null ? "—" : percent(rate), "ins-value"),
        label(x + 14, BASE + 11, name),
      ];
    }));
}

function latencyPanel(all) {
  const scale = Math.max(0, ...all.flatMap((st) => [st.latency_ms.p50 || 0, st.latency_ms.p95 || 0]));
  return s("g", { "data-panel": "latency", transform: "translate(112 0)" },
    s("text", { x: 0, y: 9, class: "ins-title" }, "Latency p50 · p95"),
    s("line", { x1: 0, x2: 136, y1: BASE + 0.5, y2: BASE + 0.5, class: "ins-axis" }),
    all.flatMap((stats, i) => {
      const x = 10 + i * 66;
      const name = WINDOWS[i][1];
      const { p50, p95 } = stats.latency_ms;
      return [
        bar({ x, width: 20, value: p50, scale, cls: "ins-p50", metric: "p50", window: stats.window,
          title: `${name} p50: ${p50 ?? "—"} ms` }),
        bar({ x: x + 22, width: 20, value: p95, scale, cls: "ins-p95", metric: "p95",
          window: stats.window, title: `${name} p95: ${p95 ?? "—"} ms` }),
        label(x + 21, TOP - 3, p95 === null || p95 === undefined ? "—" : `${p95} ms`, "ins-value"),
        label(x + 21, BASE + 11, name),
      ];
    }));
}

// The chart of both windows: success-rate bars (0–100 %) and latency bars on a shared scale.
export function insightChart(all) {
  const summary = all.map((st, i) => (st.attempts
    ? `${WINDOWS[i][1]}: ${percent(st.success_rate)} of ${st.attempts} succeeded, `
      + `p50 ${st.latency_ms.p50 ?? "—"} ms, p95 ${st.latency_ms.p95 ?? "—"} ms`
    : `${WINDOWS[i][1]}: no attempts`)).join("; ");
  return s("svg", { class: "insight-chart", viewBox: `0 0 252 ${BASE + 14}`, width: 302,
    height: Math.round((BASE + 14) * 1.2), role: "img", "aria-label": summary, "data-role": "insight-chart" },
  successPanel(all), latencyPanel(all));
}

function windowRow(label_, stats) {
  const text = stats.attempts
    ? `${percent(stats.success_rate)} of ${stats.attempts} · p50 ${stats.latency_ms.p50 ?? "—"} ms · `
      + `p95 ${stats.latency_ms.p95 ?? "—"} ms`
    : "no attempts";
  return h("div", { class: "insight-row", dataset: { window: stats.window } },
    h("span", { class: "insight-label" }, label_), h("span", { class: "insight-text" }, text));
}

// Loads both windows; an error shows as a quiet line (the card stays usable).
export function insightBlock(api, path, id) {
  const block = h("div", { class: "insight", dataset: { role: "insight" } },
    h("span", { class: "hint" }, "Loading insight…"));
  Promise.all(WINDOWS.map(([window]) => api.get(`${path}/${id}/stats`, { window })))
    .then((all) => replace(block, insightChart(all),
      h("div", { class: "insight-rows" }, all.map((stats, i) => windowRow(WINDOWS[i][1], stats)))))
    .catch((err) => replace(block, h("span", { class: "hint" }, `Insight unavailable: ${err.message}`)));
  return block;
}
