// The two kinds of connection on the Events & Hooks page: how each is edited and summarised.

import { badge, formatTime, h } from "../dom.js";
import { checkbox, field, intOrNull } from "../forms.js";

const MASK = "***configured***";

export function text(name, value, attrs = {}) {
  return h("input", { type: "text", name, value: value ?? "", autocomplete: "off", ...attrs });
}

export function number(name, value, min, max) {
  return h("input", { type: "number", name, value: value ?? "", min, max, step: 1,
    inputmode: "numeric" });
}

export function headersToText(headers) {
  if (!headers || typeof headers !== "object") return "";
  return Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join("\n");
}

// "Name: value" per line; a line without a colon is reported, not guessed at.
export function textToHeaders(textValue) {
  const headers = {};
  const lines = String(textValue || "").split("\n").map((l) => l.trim()).filter(Boolean);
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon < 1) throw new Error(`"${line}" is not "Name: value"`);
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return headers;
}

// The event set and the filters (see subscription_editor.js), as labelled form fields.
export function subscriptionFields(editor) {
  return [
    field("events", "Events", editor.picker.list, "Tick one or more events, or * for every event."),
    editor.picker.details,
    field("filters", "Filters", editor.filters.element,
      "All must match the event's data. For in / not_in separate the values with commas."),
  ];
}

// The card's summary of what a connection listens to.
// Retries, timeout and the enabled switch of a webhook or a notification channel.
export function deliveryFields(item) {
  return [
    h("div", { class: "field-row" },
      field("retry_count", "Retries", number("retry_count", item.retry_count ?? 3, 0, 10), "0–10"),
      field("timeout_seconds", "Timeout (s)",
        number("timeout_seconds", item.timeout_seconds ?? 10, 1, 60), "1–60")),
    checkbox("enabled", "Enabled", item.enabled ?? true),
  ];
}

export function subscriptionSummary(item) {
  const events = item.events || [item.event_name || "*"];
  const names = events.includes("*") ? "every event" : events.join(", ");
  const count = (item.filters || []).length;
  return count ? `${names} · ${count} filter${count === 1 ? "" : "s"}` : names;
}

export const WEBHOOK = {
  kind: "webhook",
  title: "Webhooks",
  singular: "webhook",
  path: "/webhooks",
  listKeys: ["webhooks"],
  objectKeys: ["webhook"],
  fields: ["name", "url", "events", "filters", "secret", "headers", "retry_count",
    "timeout_seconds", "enabled"],
  intro: "Sublarr POSTs the event envelope as JSON, signed when a secret is set "
    + "(X-Sublarr-Signature and Standard Webhooks headers).",

  formFields(item, picker) {
    const secretHint = item.id
      ? "Leave empty to keep the current secret."
      : "Leave empty to have one generated (shown once).";
    return [
      field("name", "Name", text("name", item.name, { placeholder: "Home Assistant" })),
      field("url", "URL", text("url", item.url, { type: "url", placeholder: "https://example.org/hook",
        inputmode: "url" })),
      ...subscriptionFields(picker),
      field("secret", "Secret", h("input", { type: "password", name: "secret", value: "",
        autocomplete: "new-password", placeholder: item.secret === MASK ? "•••••••• (set)" : "" }),
      secretHint),
      field("headers", "Extra headers", h("textarea", { name: "headers", rows: 2,
        placeholder: "Authorization: Bearer …" }, headersToText(item.headers)),
      "One \"Name: value\" per line."),
      ...deliveryFields(item),
    ];
  },

  collect(form, item, editor) {
    const value = (name) => form.elements[name].value;
    const body = {
      name: value("name").trim(),
      url: value("url").trim(),
      ...editor.value(),
      retry_count: intOrNull(value("retry_count")),
      timeout_seconds: intOrNull(value("timeout_seconds")),
      enabled: form.elements.enabled.checked,
    };
    if (value("secret")) body.secret = value("secret");
    const headersText = value("headers");
    if (!item.id || headersText !== headersToText(item.headers)) {
      try {
        body.headers = textToHeaders(headersText);
      } catch (err) {
        err.field = "headers";
        throw err;
      }
    }
    return body;
  },

  target(item) {
    return item.url;
  },

  facts(item) {
    return [
      ["Deliveries", item.trigger_count ?? 0],
      ["Last", formatTime(item.last_triggered_at)],
      ["Last status", item.last_status_code ?? "—"],
      ["Failures in a row", item.consecutive_failures ?? 0],
    ];
  },

  health(item) {
    if (item.last_error && item.consecutive_failures) return badge(item.last_error, "bad");
    return null;
  },
};

export const HOOK = {
  kind: "hook",
  title: "Hook scripts",
  singular: "hook",
  path: "/hooks",
  listKeys: ["hooks"],
  objectKeys: ["hook"],
  fields: ["name", "events", "filters", "script_path", "timeout_seconds", "enabled"],
  intro: "Scripts in the hooks directory run with the event on stdin and as SUBLARR_* variables.",

  formFields(item, picker, context) {
    const hooksDir = context.hooksDir;
    return [
      field("name", "Name", text("name", item.name, { placeholder: "Refresh Plex" })),
      ...subscriptionFields(picker),
      field("script_path", "Script", text("script_path", item.script_path,
        { placeholder: hooksDir ? `${hooksDir}/notify.sh` : "notify.sh", spellcheck: "false" }),
      hooksDir ? `An executable file inside ${hooksDir}/` : "An executable file inside the hooks directory."),
      field("timeout_seconds", "Timeout (s)",
        number("timeout_seconds", item.timeout_seconds ?? 30, 1, 3600), "1–3600"),
      checkbox("enabled", "Enabled", item.enabled ?? true),
    ];
  },

  collect(form, item, editor) {
    const value = (name) => form.elements[name].value;
    return {
      name: value("name").trim(),
      ...editor.value(),
      script_path: value("script_path").trim(),
      timeout_seconds: intOrNull(value("timeout_seconds")),
      enabled: form.elements.enabled.checked,
    };
  },

  target(item) {
    return item.script_path;
  },

  facts(item) {
    const last = item.last_success === true ? "ok" : item.last_success === false ? "failed" : "—";
    return [
      ["Runs", item.trigger_count ?? 0],
      ["Last", formatTime(item.last_triggered_at)],
      ["Last result", last],
      ["Failures in a row", item.consecutive_failures ?? 0],
    ];
  },

  health() {
    return null;
  },
};
