// What arrives over Socket.IO, kept while the page is open: recent catalog events and the
// progress of running jobs.  Pages subscribe to changes instead of to the socket directly.

export const PROGRESS_STREAMS = [
  "batch_progress", "job_update", "whisper_progress", "wanted_batch_progress",
  "wanted_search_progress", "wanted_scan_progress", "retranslation_progress",
  "replay_progress",
];
// Socket.IO-only notices that are neither catalog events nor progress bars.
export const NOTICE_STREAMS = ["webhook_completed"];
const FEED_LIMIT = 200;
const FINISHED = new Set(["completed", "complete", "done", "finished", "failed", "error",
  "cancelled", "canceled", "succeeded", "success"]);
const FAILED = new Set(["failed", "error", "cancelled", "canceled"]);

export class ActivityStore {
  constructor() {
    this.events = [];
    this.progress = new Map();
    this.listeners = new Set();
    this.seq = 0;
  }

  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  notify(change) {
    for (const fn of this.listeners) fn(change);
  }

  addEvent(name, data) {
    this.seq += 1;
    const entry = { seq: this.seq, name, data, at: new Date() };
    this.events.unshift(entry);
    this.events.length = Math.min(this.events.length, FEED_LIMIT);
    this.notify({ kind: "event", entry });
  }

  clearEvents() {
    this.events = [];
    this.notify({ kind: "cleared" });
  }

  addProgress(stream, data) {
    const item = normaliseProgress(stream, data || {});
    this.progress.set(item.key, item);
    this.notify({ kind: "progress", item });
  }

  dismissFinished() {
    for (const [key, item] of this.progress) if (item.finished) this.progress.delete(key);
    this.notify({ kind: "progress" });
  }
}

function firstOf(data, keys) {
  for (const key of keys) {
    if (data[key] !== undefined && data[key] !== null && data[key] !== "") return data[key];
  }
  return null;
}

function fractionOf(data) {
  const total = firstOf(data, ["total", "total_items", "count", "items_total"]);
  const done = firstOf(data, ["current", "processed", "done", "completed", "position",
    "succeeded_plus_failed"]);
  if (Number.isFinite(total) && total > 0 && Number.isFinite(done)) return done / total;
  if (Number.isFinite(total) && total > 0 && Number.isFinite(data.succeeded)) {
    return ((data.succeeded || 0) + (data.failed || 0)) / total;
  }
  const raw = firstOf(data, ["progress", "percent", "percentage", "pct"]);
  if (Number.isFinite(raw)) return raw > 1 ? raw / 100 : raw;
  return null;
}

// Progress streams are free-form per subsystem; read the usual keys and tolerate the rest.
export function normaliseProgress(stream, data) {
  const id = firstOf(data, ["job_id", "batch_id", "task_id", "id", "item_id", "media_path"]);
  const status = String(firstOf(data, ["status", "state", "phase", "stage"])
    || (fractionOf(data) >= 1 ? "done" : "running")).toLowerCase();
  let fraction = fractionOf(data);
  if (fraction !== null) fraction = Math.max(0, Math.min(1, fraction));
  const explicit = firstOf(data, ["status", "state", "phase", "stage"]) !== null;
  const finished = FINISHED.has(status) || data.finished === true || data.done === true
    || (!explicit && fraction !== null && fraction >= 1);
  const label = firstOf(data, ["label", "title", "name", "message", "media_path", "source_path",
    "subtitle_path", "batch_type", "job_type", "type"]) || (id === null ? stream : `#${id}`);
  const total = firstOf(data, ["total", "total_items", "count"]);
  const done = firstOf(data, ["current", "processed", "done", "completed", "position"]);
  return {
    key: `${stream}:${id ?? "current"}`,
    stream,
    label: String(label),
    status,
    fraction: finished && fraction === null && !FAILED.has(status) ? 1 : fraction,
    counts: Number.isFinite(total) && Number.isFinite(done) ? `${done} / ${total}` : null,
    finished,
    failed: FAILED.has(status),
    data,
    at: new Date(),
  };
}
