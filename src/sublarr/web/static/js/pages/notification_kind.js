// Notification channels (apprise) as a connection kind for the Connect page: the preset
// picker that builds the apprise URL, the event set and filters, the title/body templates.

import { formatTime, h, replace, uid } from "../dom.js";
import { field, intOrNull } from "../forms.js";
import { PRESETS, PresetError, buildUrl, presetOf } from "../notification_presets.js";
import { renderResult } from "../results.js";
import { deliveryFields, subscriptionFields, text } from "./connection_kinds.js";

const MASK = "***configured***";
const KEEP = "keep";
const SECRET_MARK = "SUBLARRSECRET";

function presetValues(form, preset, { maskSecrets = false } = {}) {
  const values = {};
  for (const spec of preset.fields) {
    const control = form.querySelector(`[name="preset-${spec.name}"]`);
    if (!control) continue;
    values[spec.name] = spec.type === "checkbox" ? control.checked : control.value;
    if (maskSecrets && spec.secret && String(values[spec.name]).trim()) {
      values[spec.name] = `${SECRET_MARK}${spec.name}`;
    }
  }
  return values;
}

function presetControl(spec) {
  const id = uid(`preset-${spec.name}`);
  const name = `preset-${spec.name}`;
  if (spec.type === "checkbox") {
    return h("label", { class: "check", dataset: { presetField: spec.name } },
      h("input", { type: "checkbox", name, id, checked: spec.default !== false }),
      h("span", {}, spec.label));
  }
  const control = spec.type === "select"
    ? h("select", { name, id }, spec.options.map(([value, label]) =>
      h("option", { value, selected: value === spec.default }, label)))
    : h("input", { type: spec.secret ? "password" : "text", name, id, value: spec.default ?? "",
      placeholder: spec.placeholder ?? "", inputmode: spec.inputmode,
      autocomplete: spec.secret ? "new-password" : (spec.autocomplete || "off"), spellcheck: "false" });
  return h("div", { class: `preset-field ${spec.wide ? "preset-field-wide" : ""}`,
    dataset: { presetField: spec.name } },
    h("label", { for: id }, spec.label), control);
}

// The "Service" block: preset select, its labelled fields, and the resulting apprise URL.
function urlBlock(item) {
  const editing = Boolean(item.id);
  const fieldsSlot = h("div", { class: "preset-fields" });
  const hint = h("p", { class: "hint", dataset: { role: "preset-hint" } });
  const urlId = uid("url");
  const url = h("input", { type: "text", name: "url", id: urlId, autocomplete: "off",
    spellcheck: "false", "aria-describedby": `${urlId}-error`, dataset: { role: "url-preview" } });
  const select = h("select", { name: "preset", id: uid("preset") },
    editing ? h("option", { value: KEEP }, "Keep the configured URL") : null,
    PRESETS.map((p) => h("option", { value: p.id }, p.label)));
  const block = h("div", { class: "field preset-block", dataset: { field: "url" } },
    h("label", { for: select.id }, "Service"), select, hint, fieldsSlot,
    h("label", { for: urlId, class: "url-label" }, "Apprise URL"), url,
    h("p", { class: "field-error", dataset: { errorFor: "url" }, role: "alert", id: `${urlId}-error` }));
  const preview = () => {
    const preset = presetOf(select.value);
    if (!preset || !preset.build) return;
    try {
      const built = buildUrl(preset.id, presetValues(block, preset, { maskSecrets: true }));
      url.value = built.replace(new RegExp(`${SECRET_MARK}[a-z_]+`, "g"), "•••");
    } catch (err) {
      if (!(err instanceof PresetError)) throw err;
      url.value = "";
      url.placeholder = err.message;
    }
  };
  const choose = () => {
    const preset = presetOf(select.value);
    url.readOnly = select.value !== "custom";
    url.value = "";
    url.placeholder = select.value === KEEP ? `${MASK} (hidden; pick a service to replace it)`
      : "discord://… / tgram://… / mailtos://…";
    hint.textContent = preset ? preset.hint : "The channel keeps its URL unless you pick a service.";
    replace(fieldsSlot, preset ? preset.fields.map(presetControl) : null);
    preview();
  };
  select.addEventListener("change", choose);
  fieldsSlot.addEventListener("input", preview);
  fieldsSlot.addEventListener("change", preview);
  choose();
  return block;
}

// The apprise URL the form asks for, or undefined to keep the stored one.
export function urlFromForm(form) {
  const choice = form.elements.preset.value;
  if (choice === KEEP) return undefined;
  try {
    if (choice === "custom") {
      const typed = form.elements.url.value.trim();
      if (!typed) throw new PresetError("Apprise URL is required");
      return typed;
    }
    return buildUrl(choice, presetValues(form, presetOf(choice)));
  } catch (err) {
    if (err instanceof PresetError) err.field = "url";
    throw err;
  }
}

function lastResult(item) {
  if (item.consecutive_failures && item.last_error) return `failed: ${item.last_error}`;
  if (item.trigger_count) return "ok";
  return "—";
}

const TEMPLATE_HINT = "Jinja2, rendered from the event: {{ event_name }}, {{ timestamp }}, "
  + "{{ data.title }}, {{ data.language }}… (see the example payloads). Empty: Sublarr's default "
  + "text for each event, e.g. \"Subtitle downloaded: {{ data.title }}\".";

export const NOTIFICATION = {
  kind: "notification",
  title: "Notification channels",
  singular: "notification",
  path: "/notifications",
  listKeys: ["notifications"],
  objectKeys: ["notification"],
  fields: ["name", "url", "events", "filters", "title_template", "body_template", "retry_count",
    "timeout_seconds", "enabled"],
  intro: "Discord, Telegram, ntfy, email and 100+ more through apprise. Deliveries are durable "
    + "and retried like webhooks, and show in the delivery log.",

  formFields(item, picker) {
    return [
      field("name", "Name", text("name", item.name, { placeholder: "Phone" })),
      urlBlock(item),
      ...subscriptionFields(picker),
      field("title_template", "Title template", text("title_template", item.title_template,
        { placeholder: "(the event's default title)", spellcheck: "false" })),
      field("body_template", "Body template", h("textarea", { name: "body_template", rows: 3,
        spellcheck: "false", placeholder: "(the event's default text)" },
      item.body_template ?? ""), TEMPLATE_HINT),
      ...deliveryFields(item),
    ];
  },

  collect(form, item, editor) {
    const value = (name) => form.elements[name].value;
    const body = {
      name: value("name").trim(),
      ...editor.value(),
      title_template: value("title_template"),
      body_template: value("body_template"),
      retry_count: intOrNull(value("retry_count")),
      timeout_seconds: intOrNull(value("timeout_seconds")),
      enabled: form.elements.enabled.checked,
    };
    const url = urlFromForm(form);
    if (url !== undefined) body.url = url;
    return body;
  },

  // The Test answer: outcome, then the title and body as they were rendered and sent.
  renderTest(result) {
    const shown = renderResult({ success: result.success, duration_ms: result.duration_ms,
      error: result.error });
    if (result.title || result.body) {
      shown.append(h("div", { class: "result-block", dataset: { role: "rendered" } },
        h("div", { class: "result-label" }, "Sent"),
        h("pre", { class: "code" }, [result.title, result.body].filter(Boolean).join("\n\n"))));
    }
    return shown;
  },

  target(item) {
    return item.url === MASK || !item.url ? "apprise URL configured (hidden)" : item.url;
  },

  facts(item) {
    return [
      ["Deliveries", item.trigger_count ?? 0],
      ["Last", formatTime(item.last_triggered_at)],
      ["Last result", lastResult(item)],
      ["Failures in a row", item.consecutive_failures ?? 0],
    ];
  },
};
