// One kind of connection (webhook, hook script, notification channel) as a card list with an
// editor: add, edit, delete, Test, enable toggle, the auto-disable banner and insight chart.

import { listOf, objectOf } from "../api.js";
import { badge, confirmDialog, h, replace } from "../dom.js";
import { clearErrors, showErrors } from "../forms.js";
import { subscriptionEditor } from "../subscription_editor.js";
import { renderResult } from "../results.js";
import { unavailable } from "./page.js";
import { subscriptionSummary } from "./connection_kinds.js";
import { insightBlock } from "./insight.js";

const MASK = "***configured***";

export class Section {
  // options.actions(item): extra buttons for a card (the Connect page's Replay).
  constructor(kind, ctx, context, options = {}) {
    this.kind = kind;
    this.options = options;
    this.ctx = ctx;
    this.context = context;
    this.items = [];
    this.results = new Map();
    this.editing = null; // null, "new" or an id
    this.revealedSecret = null;
    this.list = h("div", { class: "conn-list" });
    this.editor = h("div", { class: "editor-slot" });
    this.secretSlot = h("div", { class: "secret-slot" });
    this.addButton = h("button", { class: "btn btn-primary", dataset: { action: `add-${kind.kind}` },
      onclick: () => this.edit("new") }, `Add ${kind.singular}`);
    this.root = h("section", { class: "card section", id: `${kind.kind}s` },
      h("div", { class: "section-head" },
        h("div", {}, h("h2", {}, kind.title), h("p", { class: "hint" }, kind.intro)),
        this.addButton),
      this.secretSlot, this.editor, this.list);
  }

  async load() {
    try {
      const data = await this.ctx.api.get(this.kind.path);
      this.items = listOf(data, ...this.kind.listKeys);
      this.addButton.disabled = false;
      this.renderList();
    } catch (err) {
      if (err.status === 401) return this.ctx.onUnauthorized();
      replace(this.list, err.notFound
        ? unavailable(`${this.kind.title} are not available yet (${this.kind.path} answered 404).`)
        : h("p", { class: "form-error" }, err.message));
      this.addButton.disabled = err.notFound;
    }
    return null;
  }

  renderList() {
    if (!this.items.length) {
      replace(this.list, h("p", { class: "empty" }, `No ${this.kind.singular}s yet.`));
      return;
    }
    replace(this.list, this.items.map((item) => this.card(item)));
  }

  card(item) {
    const kind = this.kind;
    const toggle = h("input", { type: "checkbox", class: "switch", checked: item.enabled,
      "aria-label": `Enable ${item.name}`, dataset: { action: "toggle" },
      onchange: () => this.setEnabled(item, toggle.checked, toggle) });
    const testButton = h("button", { class: "btn btn-small", dataset: { action: "test" },
      onclick: () => this.test(item, testButton) }, "Test");
    const result = this.results.get(item.id);
    return h("article", { class: `conn-card ${item.enabled ? "" : "is-disabled"}`,
      dataset: { id: item.id, name: item.name } },
    h("div", { class: "conn-head" },
      h("h3", { class: "conn-name" }, item.name),
      badge(subscriptionSummary(item), "accent"),
      h("label", { class: "switch-wrap" }, toggle, h("span", { class: "switch-label" },
        item.enabled ? "Enabled" : "Disabled"))),
    h("div", { class: "conn-target mono" }, kind.target(item)),
    item.disabled_reason && !item.enabled ? this.disabledBanner(item) : null,
    h("dl", { class: "facts" }, kind.facts(item).map(([label, value]) => h("div", {},
      h("dt", {}, label), h("dd", {}, value)))),
    insightBlock(this.ctx.api, kind.path, item.id),
    h("div", { class: "conn-actions" },
      testButton,
      h("button", { class: "btn btn-small", dataset: { action: "edit" },
        onclick: () => this.edit(item.id) }, "Edit"),
      this.options.actions ? this.options.actions(item) : null,
      h("button", { class: "btn btn-small btn-danger-ghost", dataset: { action: "delete" },
        onclick: () => this.remove(item) }, "Delete")),
    result ? h("div", { class: "result-slot" }, result) : null);
  }

  disabledBanner(item) {
    return h("div", { class: "banner banner-bad", role: "alert", dataset: { role: "auto-disabled" } },
      h("div", {}, h("strong", {}, "Disabled automatically: "), item.disabled_reason),
      h("button", { class: "btn btn-small btn-primary", dataset: { action: "reenable" },
        onclick: () => this.setEnabled(item, true) }, "Re-enable"));
  }

  async setEnabled(item, enabled, control) {
    try {
      await this.ctx.api.put(`${this.kind.path}/${item.id}`, { enabled });
    } catch (err) {
      if (control) control.checked = !enabled;
      this.results.set(item.id, h("p", { class: "form-error" }, err.message));
    }
    await this.load();
  }

  async test(item, button) {
    button.disabled = true;
    button.textContent = "Testing…";
    this.results.set(item.id, h("p", { class: "hint" }, "Running…"));
    this.renderList();
    try {
      const result = await this.ctx.api.post(`${this.kind.path}/${item.id}/test`, {});
      this.results.set(item.id, this.kind.renderTest ? this.kind.renderTest(result)
        : renderResult(result));
    } catch (err) {
      this.results.set(item.id, h("p", { class: "form-error" }, `Test failed: ${err.message}`));
    }
    await this.load();
  }

  async remove(item) {
    const ok = await confirmDialog(`Delete ${this.kind.singular}?`,
      `"${item.name}" will be removed. Its log entries stay.`, "Delete");
    if (!ok) return;
    try {
      await this.ctx.api.delete(`${this.kind.path}/${item.id}`);
    } catch (err) {
      this.results.set(item.id, h("p", { class: "form-error" }, err.message));
    }
    if (this.editing === item.id) this.closeEditor();
    await this.load();
  }

  closeEditor() {
    this.editing = null;
    replace(this.editor);
  }

  async edit(id) {
    this.editing = id;
    let catalog = [];
    try {
      catalog = await this.ctx.catalog();
    } catch (err) {
      replace(this.editor, h("p", { class: "form-error" }, `Event catalog: ${err.message}`));
      return;
    }
    const item = id === "new" ? {} : (this.items.find((i) => i.id === id) || {});
    const picker = subscriptionEditor(catalog, item);
    this.subscription = picker;
    const save = h("button", { class: "btn btn-primary", type: "submit" },
      id === "new" ? `Create ${this.kind.singular}` : "Save");
    const form = h("form", { class: "editor card-inset", novalidate: true,
      dataset: { editor: this.kind.kind } },
    h("h3", {}, id === "new" ? `New ${this.kind.singular}` : `Edit ${item.name}`),
    this.kind.formFields(item, picker, this.context),
    h("p", { class: "form-error", role: "alert" }),
    h("div", { class: "actions" },
      h("button", { class: "btn", type: "button", onclick: () => this.closeEditor() }, "Cancel"),
      save));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit(form, item, save);
    });
    replace(this.editor, form);
    form.elements.name.focus();
    form.scrollIntoView({ block: "nearest" });
  }

  async submit(form, item, save) {
    clearErrors(form);
    let body;
    try {
      body = this.kind.collect(form, item, this.subscription);
    } catch (err) {
      showErrors(form, { message: err.message, details: { field: err.field || "_form" } }, this.kind.fields);
      return;
    }
    save.disabled = true;
    try {
      const answer = item.id
        ? await this.ctx.api.put(`${this.kind.path}/${item.id}`, body)
        : await this.ctx.api.post(this.kind.path, body);
      const saved = objectOf(answer, ...this.kind.objectKeys) || {};
      if (!item.id && saved.secret && saved.secret !== MASK) this.showSecret(saved);
      this.closeEditor();
      await this.load();
    } catch (err) {
      if (err.status === 401) {
        this.ctx.onUnauthorized();
        return;
      }
      showErrors(form, err, this.kind.fields);
    } finally {
      save.disabled = false;
    }
  }

  showSecret(saved) {
    const value = h("code", { class: "secret-value", dataset: { role: "secret" } }, saved.secret);
    const copy = h("button", { class: "btn btn-small", type: "button", onclick: async () => {
      try {
        await navigator.clipboard.writeText(saved.secret);
        copy.textContent = "Copied";
      } catch {
        copy.textContent = "Select and copy";
      }
    } }, "Copy");
    replace(this.secretSlot, h("div", { class: "banner banner-info", role: "status" },
      h("div", {},
        h("strong", {}, `Signing secret for "${saved.name}"`),
        h("p", {}, "Copy it now: it is shown only once and masked afterwards."),
        h("div", { class: "secret-row" }, value, copy)),
      h("button", { class: "icon-btn", "aria-label": "Dismiss", onclick: () => replace(this.secretSlot) },
        "✕")));
  }
}
