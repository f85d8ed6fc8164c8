// Delivery log: every hook run, webhook and notification delivery, filterable, with details,
// Redeliver and Replay.

import { listOf, totalOf } from "../api.js";
import { badge, confirmDialog, debounce, formatDuration, formatTime, h, replace,
  successBadge } from "../dom.js";
import { renderResult } from "../results.js";
import { pageHeader, pager, unavailable } from "./page.js";
import { replayPanel, replayTargets, toggleReplay } from "./replay_panel.js";

const LIMIT = 25;

export function mount(main, ctx) {
  const view = new DeliveryLog(ctx);
  replace(main, view.root);
  view.start();
  return () => view.stop();
}

class DeliveryLog {
  constructor(ctx) {
    this.ctx = ctx;
    this.offset = 0;
    this.filters = { hook_id: "", webhook_id: "", notification_id: "", event_name: "", success: "" };
    this.names = { script: new Map(), webhook: new Map(), notification: new Map() };
    this.open = new Set();
    this.notes = new Map();
    this.entries = [];
    this.live = true;
    this.table = h("div", { class: "log-body" });
    this.pagerSlot = h("div");
    this.filterBar = h("form", { class: "filters", onsubmit: (e) => e.preventDefault() });
    this.replaySlot = h("div", { class: "replay-slot" });
    this.targets = [];
    const liveToggle = h("input", { type: "checkbox", checked: true, id: "log-live",
      onchange: () => { this.live = liveToggle.checked; } });
    this.root = h("div", { class: "page" },
      pageHeader("Delivery log", "Every hook run, webhook and notification delivery, newest first.",
        h("label", { class: "check" }, liveToggle, h("span", {}, "Live")),
        h("button", { class: "btn", dataset: { action: "refresh" }, onclick: () => this.load() },
          "Refresh"),
        h("button", { class: "btn", dataset: { action: "replay" },
          onclick: () => this.toggleReplay() }, "Replay…"),
        h("button", { class: "btn btn-danger-ghost", dataset: { action: "clear-log" },
          onclick: () => this.clear() }, "Clear log")),
      this.replaySlot,
      h("section", { class: "card" }, this.filterBar, this.table, this.pagerSlot));
    this.refreshSoon = debounce(() => { if (this.live) this.load(); }, 250);
  }

  async start() {
    this.off = this.ctx.socket.on("hook_executed", () => this.refreshSoon());
    this.filtersLoaded = this.loadFilters();
    await this.filtersLoaded;
    await this.load();
  }

  // The panel lists the webhooks and channels, so it waits for them to be loaded.
  async toggleReplay() {
    await this.filtersLoaded;
    toggleReplay(this.replaySlot, () => replayPanel(this.ctx.api, this.targets,
      this.selectedTarget(), () => this.load()));
  }

  stop() {
    if (this.off) this.off();
  }

  async loadFilters() {
    const [hooks, webhooks, notifications, catalog] = await Promise.all([
      this.ctx.api.get("/hooks").then((d) => listOf(d, "hooks")).catch(() => []),
      this.ctx.api.get("/webhooks").then((d) => listOf(d, "webhooks")).catch(() => []),
      this.ctx.api.get("/notifications").then((d) => listOf(d, "notifications")).catch(() => []),
      this.ctx.catalog().catch(() => []),
    ]);
    for (const hook of hooks) this.names.script.set(hook.id, hook.name);
    for (const webhook of webhooks) this.names.webhook.set(webhook.id, webhook.name);
    for (const channel of notifications) this.names.notification.set(channel.id, channel.name);
    this.targets = replayTargets(webhooks, notifications);
    const select = (name, label, options) => {
      const el = h("select", { name, "aria-label": label, onchange: () => {
        this.filters[name] = el.value;
        this.offset = 0;
        this.load();
      } }, h("option", { value: "" }, label), options);
      return h("label", { class: "filter" }, h("span", { class: "filter-label" }, label), el);
    };
    replace(this.filterBar,
      select("hook_id", "All hooks", hooks.map((x) => h("option", { value: x.id }, x.name))),
      select("webhook_id", "All webhooks", webhooks.map((x) => h("option", { value: x.id }, x.name))),
      notifications.length ? select("notification_id", "All notifications",
        notifications.map((x) => h("option", { value: x.id }, x.name))) : null,
      select("event_name", "All events", catalog.map((e) => h("option", { value: e.name }, e.name))),
      select("success", "Any result", [h("option", { value: "true" }, "Succeeded"),
        h("option", { value: "false" }, "Failed")]));
  }

  async load() {
    try {
      const data = await this.ctx.api.get("/hooks/logs",
        { ...this.filters, limit: LIMIT, offset: this.offset });
      this.entries = listOf(data, "logs", "entries");
      this.render(totalOf(data));
    } catch (err) {
      if (err.status === 401) return this.ctx.onUnauthorized();
      replace(this.table, err.notFound
        ? unavailable("The delivery log is not available yet (/api/v1/hooks/logs answered 404).")
        : h("p", { class: "form-error" }, err.message));
      replace(this.pagerSlot);
    }
    return null;
  }

  render(total) {
    if (!this.entries.length) {
      replace(this.table, h("p", { class: "empty" }, "Nothing logged yet."));
    } else {
      replace(this.table, h("table", { class: "table log-table" },
        h("thead", {}, h("tr", {}, ["Time", "Type", "Name", "Event", "Result", "Code", "Attempts",
          "Duration", ""].map((t) => h("th", {}, t)))),
        h("tbody", {}, this.entries.map((entry) => this.rows(entry)))));
    }
    replace(this.pagerSlot, pager({ offset: this.offset, limit: LIMIT, count: this.entries.length,
      total, onChange: (offset) => { this.offset = offset; this.load(); } }));
  }

  selectedTarget() {
    if (this.filters.notification_id) return `/notifications/${this.filters.notification_id}`;
    return this.filters.webhook_id ? `/webhooks/${this.filters.webhook_id}` : "";
  }

  nameOf(entry) {
    if (entry.hook_name) return entry.hook_name;
    const kind = typeOf(entry);
    const id = { webhook: entry.webhook_id, notification: entry.notification_id }[kind] ?? entry.hook_id;
    return this.names[kind].get(id) || `#${id ?? "?"}`;
  }

  rows(entry) {
    const kind = typeOf(entry);
    const code = kind === "script" ? entry.exit_code : entry.status_code;
    const isOpen = this.open.has(entry.id);
    const cell = (label, ...content) => h("td", { "data-label": label }, content);
    const row = h("tr", { class: `log-row ${entry.success === false ? "row-bad" : ""}`,
      dataset: { id: entry.id, event: entry.event_name } },
    cell("Time", formatTime(entry.triggered_at || entry.created_at)),
    cell("Type", badge(kind, "neutral")),
    cell("Name", this.nameOf(entry)),
    cell("Event", h("span", { class: "mono" }, entry.event_name)),
    cell("Result", successBadge(entry.success)),
    cell("Code", code ?? "—"),
    cell("Attempts", entry.attempts ?? "—"),
    cell("Duration", formatDuration(entry.duration_ms)),
    h("td", { class: "row-actions" },
      h("button", { class: "btn btn-small", dataset: { action: "details" },
        "aria-expanded": String(isOpen), onclick: () => this.toggle(entry.id) },
      isOpen ? "Hide" : "Details"),
      kind !== "script" ? h("button", { class: "btn btn-small",
        dataset: { action: "redeliver" }, onclick: (e) => this.redeliver(entry, e.currentTarget) },
      "Redeliver") : null));
    const note = this.notes.get(entry.id);
    if (!isOpen && !note) return row;
    const detail = h("tr", { class: "log-detail" }, h("td", { colspan: 9 },
      note || null,
      isOpen ? renderResult(entry, "Details") : null,
      isOpen ? h("p", { class: "hint mono" }, `event ${entry.event_id || "—"} · log #${entry.id}`) : null));
    return [row, detail];
  }

  toggle(id) {
    if (this.open.has(id)) this.open.delete(id);
    else this.open.add(id);
    this.render(null);
    this.load();
  }

  async redeliver(entry, button) {
    button.disabled = true;
    try {
      await this.ctx.api.post(`/hooks/logs/${entry.id}/redeliver`, {});
      this.notes.set(entry.id, h("p", { class: "note-ok" }, "Redelivery queued."));
    } catch (err) {
      this.notes.set(entry.id, h("p", { class: "form-error" }, `Redeliver: ${err.message}`));
    }
    await this.load();
  }

  async clear() {
    const ok = await confirmDialog("Clear the delivery log?",
      "Every logged hook run, webhook and notification delivery is deleted.", "Clear log");
    if (!ok) return;
    try {
      await this.ctx.api.delete("/hooks/logs");
    } catch (err) {
      replace(this.pagerSlot, h("p", { class: "form-error" }, err.message));
      return;
    }
    this.offset = 0;
    await this.load();
  }
}

// "script", "webhook" or "notification" (the log's hook_type, named as the UI shows it).
function typeOf(entry) {
  if (entry.hook_type === "webhook" || entry.hook_type === "notification") return entry.hook_type;
  return "script";
}
