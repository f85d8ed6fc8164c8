// Activity: catalog events as they happen and progress bars for running jobs.

import { badge, h, pretty, replace } from "../dom.js";
import { pageHeader } from "./page.js";

const TONES = { failed: "bad", disabled: "bad", complete: "ok", downloaded: "ok", processed: "neutral" };
const SUMMARY_KEYS = ["message", "title", "hook_name", "name", "query", "provider", "media_path",
  "subtitle_path", "batch_type", "source"];
const STREAM_LABELS = { batch_progress: "Batch", job_update: "Translation job",
  whisper_progress: "Transcription", wanted_batch_progress: "Wanted search",
  wanted_search_progress: "Wanted item", retranslation_progress: "Re-translation",
  replay_progress: "Replay" };

function toneOf(name) {
  const match = Object.keys(TONES).find((suffix) => name.endsWith(suffix));
  return match ? TONES[match] : "accent";
}

export function summarise(name, data) {
  if (!data || typeof data !== "object") return data === undefined ? "" : String(data);
  if (name === "hook_executed") {
    const code = { webhook: `HTTP ${data.status_code ?? "—"}`, notification: "notification" }[data.hook_type]
      || `exit ${data.exit_code ?? "—"}`;
    return `${data.hook_name} for ${data.event_name}: ${data.success ? "ok" : "failed"} (${code})`;
  }
  if (name === "config_updated") return `changed: ${(data.updated_keys || []).join(", ")}`;
  const key = SUMMARY_KEYS.find((k) => data[k] !== undefined && data[k] !== null && data[k] !== "");
  return key ? String(data[key]) : "";
}

export function mount(main, ctx) {
  const labels = new Map();
  const feed = h("ol", { class: "feed", id: "feed", "aria-live": "polite" });
  const progress = h("div", { class: "progress-list", id: "progress" });
  const clearButton = h("button", { class: "btn btn-small", onclick: () => ctx.activity.clearEvents() },
    "Clear");
  const dismiss = h("button", { class: "btn btn-small", onclick: () => ctx.activity.dismissFinished() },
    "Dismiss finished");
  replace(main, pageHeader("Activity", "Events and running jobs, live over Socket.IO."),
    h("div", { class: "activity-grid" },
      h("section", { class: "card section" },
        h("div", { class: "section-head" }, h("h2", {}, "Running"), dismiss), progress),
      h("section", { class: "card section" },
        h("div", { class: "section-head" }, h("h2", {}, "Events"), clearButton), feed)));

  const entryEl = (entry) => h("li", { class: "feed-item", dataset: { event: entry.name } },
    h("div", { class: "feed-head" },
      badge(labels.get(entry.name) || entry.name, toneOf(entry.name)),
      h("time", { datetime: entry.at.toISOString() }, entry.at.toLocaleTimeString())),
    h("div", { class: "feed-summary" }, summarise(entry.name, entry.data)),
    h("details", {}, h("summary", {}, "data"), h("pre", { class: "code" }, pretty(entry.data))));

  const renderFeed = () => {
    replace(feed, ctx.activity.events.length ? ctx.activity.events.map(entryEl)
      : h("li", { class: "empty" }, "Waiting for events…"));
  };
  const renderProgress = () => {
    const items = [...ctx.activity.progress.values()].sort((a, b) => b.at - a.at);
    replace(progress, items.length ? items.map(progressEl)
      : h("p", { class: "empty" }, "Nothing running."));
  };
  renderFeed();
  renderProgress();
  ctx.catalog().then((catalog) => {
    for (const event of catalog) labels.set(event.name, event.label);
    renderFeed();
  }).catch(() => {});

  return ctx.activity.subscribe((change) => {
    if (change.kind === "event") {
      const empty = feed.querySelector(".empty");
      if (empty) empty.remove();
      feed.prepend(entryEl(change.entry));
      while (feed.children.length > ctx.activity.events.length) feed.lastChild.remove();
    } else if (change.kind === "cleared") {
      renderFeed();
    } else {
      renderProgress();
    }
  });
}

function progressEl(item) {
  const percent = item.fraction === null ? null : Math.round(item.fraction * 100);
  const fill = h("div", { class: "bar-fill" });
  if (percent !== null) fill.style.width = `${percent}%`; // CSSOM: allowed by the CSP
  const bar = h("div", { class: `bar ${item.failed ? "bar-bad" : ""} ${percent === null ? "bar-indeterminate" : ""}`,
    role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100,
    "aria-valuenow": percent ?? undefined, "aria-label": item.label },
  fill);
  return h("div", { class: `progress-item ${item.finished ? "is-finished" : ""}`,
    dataset: { stream: item.stream, key: item.key } },
  h("div", { class: "progress-head" },
    h("span", { class: "progress-stream" }, STREAM_LABELS[item.stream] || item.stream),
    h("span", { class: "progress-label", title: item.label }, item.label),
    h("span", { class: "progress-status" }, [item.counts, percent === null ? null : `${percent}%`,
      item.status].filter(Boolean).join(" · "))),
  bar);
}
