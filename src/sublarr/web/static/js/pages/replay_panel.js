// Replay: send a webhook's or notification channel's past events again
// (POST /webhooks/<id>/replay, POST /notifications/<id>/replay).

import { h, replace } from "../dom.js";

function isoOf(localValue) {
  if (!localValue) return null;
  const moment = new Date(localValue); // datetime-local is the browser's local time
  return Number.isNaN(moment.getTime()) ? localValue : moment.toISOString();
}

function localValue(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T`
    + `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

// Every subscriber a replay can target, as {key: "/webhooks/3", name, enabled, kind}.
export function replayTargets(webhooks, notifications) {
  const of = (items, path, kind) => items.map((x) => ({ key: `${path}/${x.id}`, name: x.name,
    enabled: x.enabled, kind }));
  return [...of(webhooks, "/webhooks", "webhook"), ...of(notifications, "/notifications", "notification")];
}

function targetOptions(targets, selectedKey) {
  const option = (t) => h("option", { value: t.key, selected: t.key === selectedKey },
    t.enabled ? t.name : `${t.name} (disabled)`);
  const groups = [["webhook", "Webhooks"], ["notification", "Notifications"]]
    .map(([kind, label]) => [label, targets.filter((t) => t.kind === kind)])
    .filter(([, items]) => items.length);
  if (groups.length === 1) return groups[0][1].map(option);
  return groups.map(([label, items]) => h("optgroup", { label }, items.map(option)));
}

// A form: subscriber, since, until (optional), only failed; reports how many were queued.
export function replayPanel(api, targets, selectedKey, onDone) {
  const status = h("p", { class: "hint", role: "status", dataset: { role: "replay-status" } });
  const target = h("select", { name: "replay-target", "aria-label": "Send to" },
    targetOptions(targets, selectedKey));
  const since = h("input", { type: "datetime-local", name: "replay-since", "aria-label": "Since",
    value: localValue(new Date(Date.now() - 24 * 3600 * 1000)) });
  const until = h("input", { type: "datetime-local", name: "replay-until", "aria-label": "Until" });
  const onlyFailed = h("input", { type: "checkbox", name: "replay-only-failed" });
  const send = h("button", { class: "btn btn-primary", type: "submit" }, "Replay");
  const form = h("form", { class: "replay-panel card-inset", dataset: { role: "replay" } },
    h("h3", {}, "Replay past events"),
    h("p", { class: "hint" }, "Every stored event the subscriber wants in this range is delivered "
      + "again, oldest first, with its original event id (webhook-id)."),
    h("div", { class: "field-row" },
      h("label", { class: "filter" }, h("span", { class: "filter-label" }, "Send to"), target),
      h("label", { class: "filter" }, h("span", { class: "filter-label" }, "Since"), since),
      h("label", { class: "filter" }, h("span", { class: "filter-label" }, "Until (empty: now)"),
        until)),
    h("label", { class: "check" }, onlyFailed, h("span", {}, "Only deliveries that failed")),
    h("div", { class: "actions" }, send),
    status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!target.value) {
      status.textContent = "Add a webhook or notification channel first.";
      return;
    }
    send.disabled = true;
    status.className = "hint";
    try {
      const body = { since: isoOf(since.value), only_failed: onlyFailed.checked };
      if (until.value) body.until = isoOf(until.value);
      const answer = await api.post(`${target.value}/replay`, body);
      status.textContent = `Queued ${answer.queued} event${answer.queued === 1 ? "" : "s"} for delivery.`;
      if (onDone) onDone(answer);
    } catch (err) {
      status.className = "form-error";
      status.textContent = `Replay refused: ${err.message}`;
    } finally {
      send.disabled = false;
    }
  });
  return form;
}

export function toggleReplay(slot, build) {
  if (slot.firstChild) {
    replace(slot);
    return;
  }
  replace(slot, build());
}
