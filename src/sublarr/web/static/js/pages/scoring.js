// Settings → Scoring: episode and movie weights beside their defaults, provider modifiers.

import { confirmDialog, debounce, h, replace } from "../dom.js";
import { clearErrors, intOrNull, showErrors } from "../forms.js";
import { pageHeader, unavailable } from "./page.js";

// SPEC defaults, used only when the API does not report its own.
const SPEC_DEFAULTS = {
  episode: { hash: 359, series: 180, year: 90, season: 30, episode: 30, release_group: 14,
    source: 7, audio_codec: 3, resolution: 2, hearing_impaired: 1, format_bonus: 50 },
  movie: { hash: 119, title: 60, year: 30, release_group: 13, source: 7, audio_codec: 3,
    resolution: 2, hearing_impaired: 1, format_bonus: 50 },
};
const TYPES = ["episode", "movie"];
const LABELS = { format_bonus: "format bonus (ASS)", release_group: "release group",
  audio_codec: "audio codec", hearing_impaired: "hearing impaired" };

function isWeightMap(value) {
  return value && typeof value === "object" && !Array.isArray(value)
    && Object.values(value).every((v) => typeof v === "number");
}

// Accepts {episode:{..}, movie:{..}, defaults:{..}}, {weights:{..}, defaults:{..}},
// {episode:{current|weights:{..}, defaults:{..}}} and {episode:{key:{value, default}}}.
export function normaliseWeights(data) {
  const root = data && data.weights && !isWeightMap(data.weights) ? data.weights : data || {};
  const defaultsRoot = (data && (data.defaults || data.default_weights)) || {};
  const out = {};
  for (const type of TYPES) {
    const raw = root[type] || {};
    let current = {};
    let defaults = defaultsRoot[type] || null;
    if (isWeightMap(raw)) {
      current = raw;
    } else if (raw.current || raw.weights || raw.values) {
      current = raw.current || raw.weights || raw.values;
      defaults = raw.defaults || raw.default || defaults;
    } else {
      defaults = {};
      for (const [key, entry] of Object.entries(raw)) {
        if (entry && typeof entry === "object") {
          current[key] = entry.value ?? entry.current ?? entry.weight;
          defaults[key] = entry.default;
        }
      }
    }
    out[type] = { current, defaults: defaults || SPEC_DEFAULTS[type] };
  }
  return out;
}

// {"modifiers": {name: {value, default}}}, {"modifiers": {name: n}}, {name: n} or a list.
export function normaliseModifiers(data) {
  const source = data && data.modifiers !== undefined ? data.modifiers : data;
  const entries = Array.isArray(source)
    ? source.map((m) => [m.provider || m.name, m])
    : Object.entries(source && typeof source === "object" ? source : {});
  return Object.fromEntries(entries.map(([name, raw]) => {
    const value = raw && typeof raw === "object" ? (raw.value ?? raw.modifier ?? 0) : raw;
    const fallback = raw && typeof raw === "object" ? (raw.default ?? 0) : 0;
    return [name, { value, default: fallback }];
  }));
}

export function mount(main, ctx) {
  const view = new ScoringPage(ctx);
  replace(main, view.root);
  view.load();
  const reload = debounce(() => view.load(), 300);
  const off = ctx.socket.on("config_updated", (data) => {
    const keys = (data && data.updated_keys) || [];
    if (keys.some((k) => k.startsWith("scoring_") || k.startsWith("provider_modifier_"))) reload();
  });
  return off;
}

class ScoringPage {
  constructor(ctx) {
    this.ctx = ctx;
    this.weightsSlot = h("div", { class: "weights-grid" });
    this.modifiersSlot = h("section", { class: "card section", id: "modifiers" });
    this.status = h("p", { class: "note-ok", role: "status", "aria-live": "polite" });
    this.root = h("div", { class: "page" },
      pageHeader("Scoring", "How candidates are ranked. Changes apply to the next search at once.",
        h("button", { class: "btn btn-danger-ghost", dataset: { action: "reset-weights" },
          onclick: () => this.reset() }, "Reset to defaults")),
      this.status, this.weightsSlot, this.modifiersSlot);
  }

  async load() {
    await Promise.all([this.loadWeights(), this.loadModifiers()]);
  }

  async loadWeights() {
    try {
      this.weights = normaliseWeights(await this.ctx.api.get("/scoring/weights"));
      replace(this.weightsSlot, TYPES.map((type) => this.weightForm(type)));
    } catch (err) {
      if (err.status === 401) return this.ctx.onUnauthorized();
      replace(this.weightsSlot, err.notFound
        ? unavailable("Scoring weights are not available yet (/api/v1/scoring/weights answered 404).")
        : h("p", { class: "form-error" }, err.message));
    }
    return null;
  }

  weightForm(type) {
    const { current, defaults } = this.weights[type];
    // SPEC order (strongest match first), then anything the API adds.
    const keys = [...new Set([...Object.keys(SPEC_DEFAULTS[type]), ...Object.keys(defaults),
      ...Object.keys(current)])].filter((k) => k in defaults || k in current);
    const form = h("form", { class: "card section weights", dataset: { scoreType: type },
      novalidate: true },
    h("h2", {}, type === "episode" ? "Episode weights" : "Movie weights"),
    h("table", { class: "table weights-table" },
      h("thead", {}, h("tr", {}, h("th", {}, "Match"), h("th", {}, "Weight"), h("th", {}, "Default"))),
      h("tbody", {}, keys.map((key) => {
        const changed = current[key] !== undefined && current[key] !== defaults[key];
        return h("tr", { class: changed ? "changed" : "" },
          h("th", { scope: "row" }, h("label", { for: `w-${type}-${key}` }, LABELS[key] || key)),
          h("td", {}, h("input", { type: "number", id: `w-${type}-${key}`, name: key,
            value: current[key] ?? defaults[key] ?? "", step: 1, inputmode: "numeric",
            dataset: { original: current[key] ?? defaults[key] ?? "" } }),
          h("p", { class: "field-error", dataset: { errorFor: key } })),
          h("td", { class: "default" }, defaults[key] ?? "—"));
      }))),
    h("p", { class: "form-error", role: "alert" }),
    h("div", { class: "actions" }, h("button", { class: "btn btn-primary", type: "submit" },
      `Save ${type} weights`)));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.saveWeights(type, form, keys);
    });
    return form;
  }

  async saveWeights(type, form, keys) {
    clearErrors(form);
    const changes = {};
    for (const key of keys) {
      const input = form.elements[key];
      if (input.value !== input.dataset.original) changes[key] = intOrNull(input.value);
    }
    if (!Object.keys(changes).length) {
      this.say("Nothing changed.");
      return;
    }
    try {
      await this.ctx.api.put("/scoring/weights", { [type]: changes });
      this.say(`Saved ${type} weights.`);
      await this.loadWeights();
    } catch (err) {
      showErrors(form, err, keys);
    }
  }

  async reset() {
    const ok = await confirmDialog("Reset scoring weights?",
      "Episode and movie weights go back to their defaults.", "Reset");
    if (!ok) return;
    try {
      await this.ctx.api.delete("/scoring/weights");
      this.say("Weights reset to defaults.");
    } catch (err) {
      this.say(err.message, true);
    }
    await this.loadWeights();
  }

  say(message, bad = false) {
    this.status.textContent = message;
    this.status.className = bad ? "form-error" : "note-ok";
  }

  async loadModifiers() {
    let modifiers;
    try {
      modifiers = normaliseModifiers(await this.ctx.api.get("/scoring/modifiers"));
    } catch (err) {
      replace(this.modifiersSlot, h("h2", {}, "Provider modifiers"), err.notFound
        ? unavailable("Provider modifiers are not available yet (/api/v1/scoring/modifiers answered 404).")
        : h("p", { class: "form-error" }, err.message));
      return;
    }
    this.renderModifiers(modifiers);
  }

  renderModifiers(modifiers) {
    const names = Object.keys(modifiers);
    const rows = names.map((provider) => {
      const { value, default: fallback } = modifiers[provider];
      return h("tr", { dataset: { provider }, class: value !== fallback ? "changed" : "" },
        h("th", { scope: "row" }, h("label", { for: `m-${provider}` }, provider)),
        h("td", {}, h("input", { type: "number", id: `m-${provider}`, name: provider, value, step: 1,
          inputmode: "numeric", dataset: { original: value } }),
        h("p", { class: "field-error", dataset: { errorFor: provider } })),
        h("td", { class: "default" }, fallback),
        h("td", { class: "row-actions" }, h("button", { class: "btn btn-small", type: "button",
          disabled: value === fallback, onclick: () => this.removeModifier(provider) }, "Reset")));
    });
    const form = h("form", { novalidate: true, class: "modifiers" },
      h("table", { class: "table weights-table" },
        h("thead", {}, h("tr", {}, h("th", {}, "Provider"), h("th", {}, "Modifier"),
          h("th", {}, "Default"), h("th", {}, ""))),
        h("tbody", {}, rows.length ? rows
          : h("tr", {}, h("td", { colspan: 4, class: "empty" }, "No providers known.")))),
      h("p", { class: "form-error", role: "alert" }),
      h("div", { class: "actions" },
        h("button", { class: "btn btn-primary", type: "submit" }, "Save modifiers")));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.saveModifiers(form, names);
    });
    replace(this.modifiersSlot, h("h2", {}, "Provider modifiers"),
      h("p", { class: "hint" }, "Added to every score from that provider (negative to demote it)."),
      form);
  }

  async saveModifiers(form, names) {
    clearErrors(form);
    const changes = {};
    for (const provider of names) {
      const input = form.elements[provider];
      if (input.value !== input.dataset.original) changes[provider] = intOrNull(input.value);
    }
    if (!Object.keys(changes).length) {
      this.say("Nothing changed.");
      return;
    }
    try {
      await this.ctx.api.put("/scoring/modifiers", changes);
      this.say("Saved provider modifiers.");
      await this.loadModifiers();
    } catch (err) {
      showErrors(form, err, names);
    }
  }

  async removeModifier(provider) {
    try {
      await this.ctx.api.delete(`/scoring/modifiers/${encodeURIComponent(provider)}`);
      this.say(`Reset the modifier for ${provider}.`);
    } catch (err) {
      this.say(err.message, true);
    }
    await this.loadModifiers();
  }
}
