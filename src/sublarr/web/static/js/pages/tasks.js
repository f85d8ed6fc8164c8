// Tasks: every scheduled job with its last and next run, and "Run now" (like *arr System → Tasks).

import { listOf } from "../api.js";
import { badge, formatDuration, formatTime, h, replace } from "../dom.js";
import { pageHeader, unavailable } from "./page.js";

const REFRESH_MS = 5000;

function intervalText(seconds) {
  if (seconds === null || seconds === undefined) return "on demand / on events";
  if (seconds % 86400 === 0) return `every ${seconds / 86400} d`;
  if (seconds % 3600 === 0) return `every ${seconds / 3600} h`;
  if (seconds % 60 === 0) return `every ${seconds / 60} min`;
  return `every ${seconds} s`;
}

function lastRun(task) {
  if (!task.last_run_at) return h("span", { class: "cell-sub" }, "never");
  return h("div", {},
    h("div", {}, formatTime(task.last_run_at)),
    h("div", { class: "cell-sub" }, formatDuration(task.last_duration_ms ?? 0)));
}

function resultCell(task) {
  if (task.running) return badge("running", "accent");
  if (task.last_success === null || task.last_success === undefined) return "—";
  return h("div", {}, badge(task.last_success ? "ok" : "failed", task.last_success ? "ok" : "bad"),
    h("div", { class: "cell-sub task-result" }, task.last_result || ""));
}

export function mount(main, ctx) {
  const body = h("div", { class: "list-body" });
  const note = h("p", { class: "note-ok", role: "status" });
  replace(main, pageHeader("Tasks", "Scheduled jobs: when they ran, how it went, when they run next."),
    note, h("section", { class: "card" }, body));

  async function runNow(task) {
    try {
      await ctx.api.post(`/tasks/${encodeURIComponent(task.name)}/run`, {});
      note.className = "note-ok";
      note.textContent = `${task.label} started.`;
    } catch (err) {
      if (err.status === 401) return ctx.onUnauthorized();
      note.className = "form-error";
      note.textContent = err.message;
    }
    return load();
  }

  function render(tasks) {
    replace(body, h("table", { class: "table list-table tasks-table" },
      h("thead", {}, h("tr", {}, ["Task", "Interval", "Last run", "Result", "Next run"]
        .map((label) => h("th", {}, label)), h("th", {}))),
      h("tbody", {}, tasks.map((task) => h("tr", { dataset: { task: task.name } },
        h("td", { "data-label": "Task" }, h("div", { class: "cell-title" }, task.label),
          h("div", { class: "cell-sub mono" }, task.name)),
        h("td", { "data-label": "Interval" }, intervalText(task.interval_seconds)),
        h("td", { "data-label": "Last run", class: "task-last" }, lastRun(task)),
        h("td", { "data-label": "Result", class: "task-status" }, resultCell(task)),
        h("td", { "data-label": "Next run", class: "task-next" },
          task.next_run_at ? formatTime(task.next_run_at) : "—"),
        h("td", { class: "row-actions" }, h("button", { class: "btn btn-small",
          dataset: { action: "run" }, disabled: task.running, onclick: () => runNow(task) },
        "Run now")))))));
  }

  async function load() {
    try {
      render(listOf(await ctx.api.get("/tasks"), "tasks"));
    } catch (err) {
      if (err.status === 401) return ctx.onUnauthorized();
      replace(body, err.notFound
        ? unavailable("Tasks are not available yet (/api/v1/tasks answered 404).")
        : h("p", { class: "form-error" }, err.message));
    }
    return null;
  }

  load();
  const timer = setInterval(load, REFRESH_MS);
  return () => clearInterval(timer);
}
