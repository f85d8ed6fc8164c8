// Settings → General: every setting from /api/v1/config, grouped; secrets are write-only.

import { BASE } from "../api.js";
import { h, replace, uid } from "../dom.js";
import { clearErrors, showErrors } from "../forms.js";
import { pageHeader } from "./page.js";

const MASK = "***configured***";
// Editable groups first; the server's bootstrap settings (read-only here) last.
const GROUPS = [["Event", "Events & webhooks"], ["Library", "Library & *arr"], ["Wanted", "Wanted"],
  ["Providers", "Providers"], ["Translation", "Translation"], ["Whisper", "Whisper"],
  ["Core", "Server"]];

function humanise(name) {
  return name.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
}

function secretPlaceholder(value) {
  return value === MASK ? "•••••••• (set — type to replace)" : "not set";
}

function inputFor(meta, value, locked) {
  const id = uid(meta.name);
  const common = { id, name: meta.name, disabled: locked, dataset: { kind: meta.kind } };
  if (meta.kind === "boolean") {
    return h("input", { ...common, type: "checkbox", checked: Boolean(value) });
  }
  if (meta.secret) {
    return h("input", { ...common, type: "password", value: "", autocomplete: "new-password",
      placeholder: secretPlaceholder(value) });
  }
  if (meta.enum) {
    return h("select", common, meta.enum.map((v) => h("option", { value: v, selected: v === value }, v)));
  }
  if (meta.kind === "array" || meta.kind === "object") {
    return h("textarea", { ...common, rows: 2, spellcheck: "false" },
      value === null || value === undefined ? "" : JSON.stringify(value));
  }
  const numeric = meta.kind === "integer" || meta.kind === "number";
  return h("input", { ...common, type: numeric ? "number" : "text", value: value ?? "",
    step: meta.kind === "integer" ? 1 : "any", min: meta.minimum ?? undefined,
    max: meta.maximum ?? undefined, spellcheck: "false" });
}

// The value as typed, or undefined when the user did not change it.
function changedValue(control, meta, original) {
  if (meta.kind === "boolean") return control.checked === Boolean(original) ? undefined : control.checked;
  if (meta.secret) return control.value === "" ? undefined : control.value;
  const raw = control.value;
  if (meta.kind === "array" || meta.kind === "object") {
    if (raw === JSON.stringify(original)) return undefined;
    try {
      return JSON.parse(raw || "null");
    } catch {
      return raw; // the API explains why this is not a list
    }
  }
  if (raw === String(original ?? "")) return undefined;
  if (meta.kind === "integer" || meta.kind === "number") return raw === "" ? null : Number(raw);
  return raw;
}

export function mount(main, ctx) {
  const body = h("div", { class: "settings-body" }, h("p", { class: "hint" }, "Loading…"));
  replace(main, pageHeader("General settings",
    "Stored in the database. Values set by SUBLARR_* environment variables cannot be changed here."),
  body);
  load(ctx, body);
}

async function load(ctx, body) {
  let config;
  let metas;
  try {
    [config, metas] = await Promise.all([ctx.api.get("/config"),
      ctx.api.request("GET", "ui/settings-meta", undefined, { prefix: BASE })]);
  } catch (err) {
    if (err.status === 401) return ctx.onUnauthorized();
    replace(body, h("p", { class: "form-error" }, err.message));
    return null;
  }
  const values = config.settings || {};
  const pinned = new Set(config.env_overridden || []);
  const byName = new Map(metas.settings.map((m) => [m.name, m]));
  const status = h("p", { class: "note-ok", role: "status" });
  const sections = GROUPS.map(([group, title]) => {
    const members = metas.settings.filter((m) => m.group === group);
    if (!members.length) return null;
    return h("fieldset", { class: "card section settings-group", dataset: { group } },
      h("legend", {}, title),
      members.map((meta) => {
        const locked = meta.bootstrap || pinned.has(meta.name);
        const control = inputFor(meta, values[meta.name], locked);
        const note = meta.bootstrap ? "Set by the command line or environment only."
          : pinned.has(meta.name) ? `Pinned by SUBLARR_${meta.name.toUpperCase()}.` : meta.description;
        return h("div", { class: `field setting ${meta.kind === "boolean" ? "setting-bool" : ""}`,
          dataset: { field: meta.name } },
        h("label", { for: control.id }, humanise(meta.name)), control,
        note ? h("p", { class: "hint" }, note) : null,
        h("p", { class: "field-error", dataset: { errorFor: meta.name } }));
      }));
  });
  // Buttons, not anchors: the hash belongs to the router.
  const jump = h("nav", { class: "chips", "aria-label": "Setting groups" }, GROUPS
    .filter(([group]) => metas.settings.some((m) => m.group === group))
    .map(([group, title]) => h("button", { type: "button", class: "chip", onclick: () => {
      const target = form.querySelector(`[data-group="${group}"]`);
      if (target) target.scrollIntoView({ block: "start" });
    } }, title)));
  const form = h("form", { class: "settings-form", novalidate: true }, jump, sections,
    h("div", { class: "sticky-actions" }, h("p", { class: "form-error", role: "alert" }), status,
      h("button", { class: "btn btn-primary", type: "submit" }, "Save changes")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    status.textContent = "";
    const changes = {};
    for (const [name, meta] of byName) {
      const control = form.elements[name];
      if (!control || control.disabled) continue;
      const value = changedValue(control, meta, values[name]);
      if (value !== undefined) changes[name] = value;
    }
    if (!Object.keys(changes).length) {
      status.textContent = "Nothing changed.";
      return;
    }
    try {
      const answer = await ctx.api.put("/config", changes);
      status.textContent = `Saved: ${(answer.updated_keys || Object.keys(changes)).join(", ") || "no change"}.`;
      Object.assign(values, answer.settings || {});
      for (const name of Object.keys(changes)) {
        const meta = byName.get(name);
        if (meta && meta.secret) form.elements[name].value = "";
      }
      // A new URL can make the server forget its key: show what is stored now.
      for (const [name, meta] of byName) {
        const control = form.elements[name];
        if (meta.secret && control) control.placeholder = secretPlaceholder(values[name]);
      }
    } catch (err) {
      showErrors(form, err, [...byName.keys()]);
    }
  });
  replace(body, form);
  return null;
}
