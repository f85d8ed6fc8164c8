// Settings → Language profiles: named, ordered languages (HI / forced each, cutoff, tags),
// the default profile, and which series or movie follows which profile.

import { badge, confirmDialog, h, replace } from "../dom.js";
import { checkbox, clearErrors, field, showErrors } from "../forms.js";
import { pageHeader, unavailable } from "./page.js";

function languageText(lang) {
  const flags = [lang.hearing_impaired ? "HI" : "", lang.forced ? "forced" : ""].filter(Boolean);
  return flags.length ? `${lang.code} (${flags.join(", ")})` : lang.code;
}

function languageRow(lang, rows) {
  const row = h("div", { class: "profile-lang", dataset: { role: "language" } },
    h("input", { type: "text", name: "code", value: lang.code || "", maxlength: "2",
      placeholder: "en", "aria-label": "Language code", class: "mono lang-code" }),
    checkbox("hearing_impaired", "Hearing impaired", lang.hearing_impaired),
    checkbox("forced", "Forced", lang.forced),
    h("button", { type: "button", class: "btn btn-small", "data-action": "up", title: "Move up",
      onclick: () => row.previousElementSibling && rows.insertBefore(row, row.previousElementSibling) }, "↑"),
    h("button", { type: "button", class: "btn btn-small btn-danger-ghost", "data-action": "remove-language",
      onclick: () => row.remove() }, "Remove"));
  return row;
}

function profileForm(profile, onSaved, onCancel, api) {
  const rows = h("div", { class: "profile-langs" });
  (profile?.languages?.length ? profile.languages : [{ code: "" }])
    .forEach((lang) => rows.append(languageRow(lang, rows)));
  const name = h("input", { type: "text", value: profile?.name || "", maxlength: "100" });
  const tags = h("input", { type: "text", value: (profile?.tags || []).join(", "),
    placeholder: "anime, kids" });
  const cutoff = checkbox("cutoff", "Cutoff: once a subtitle in the first language exists, "
    + "stop searching the others and stop upgrading", profile?.cutoff);
  const isDefault = checkbox("default", "Default profile (everything not assigned or tagged)",
    profile?.default);
  const form = h("form", { class: "card profile-form", dataset: { role: "profile-form" },
    onsubmit: async (event) => {
      event.preventDefault();
      clearErrors(form);
      const body = {
        name: name.value.trim(),
        languages: [...rows.querySelectorAll("[data-role=language]")].map((r) => ({
          code: r.querySelector("[name=code]").value.trim().toLowerCase(),
          hearing_impaired: r.querySelector("[name=hearing_impaired]").checked,
          forced: r.querySelector("[name=forced]").checked })),
        cutoff: cutoff.querySelector("input").checked,
        default: isDefault.querySelector("input").checked,
        tags: tags.value.split(",").map((t) => t.trim()).filter(Boolean),
      };
      try {
        const saved = profile?.id
          ? await api.put(`/language-profiles/${profile.id}`, body)
          : await api.post("/language-profiles", body);
        onSaved(saved);
      } catch (err) {
        showErrors(form, err, ["name", "languages", "tags", "default"]);
      }
    } },
  h("h3", {}, profile?.id ? `Edit ${profile.name}` : "New profile"),
  field("name", "Name", name),
  h("div", { class: "field", dataset: { field: "languages" } }, h("label", {}, "Languages (most wanted first)"),
    rows, h("p", { class: "field-error", dataset: { errorFor: "languages" }, role: "alert" }),
    h("div", {}, h("button", { type: "button", class: "btn btn-small", "data-action": "add-language",
      onclick: () => rows.append(languageRow({ code: "" }, rows)) }, "Add language"))),
  cutoff, isDefault,
  field("tags", "Sonarr/Radarr tags", tags, "A series or movie with one of these tags follows this profile"),
  h("p", { class: "form-error", role: "alert" }),
  h("div", { class: "actions" },
    h("button", { type: "button", class: "btn", onclick: onCancel }, "Cancel"),
    h("button", { type: "submit", class: "btn btn-primary", "data-action": "save" }, "Save")));
  return form;
}

function profileCard(profile, ctx) {
  return h("div", { class: "card profile-card", dataset: { profile: profile.name } },
    h("div", { class: "profile-head" }, h("strong", {}, profile.name),
      profile.default ? badge("default", "accent") : null,
      profile.cutoff ? badge("cutoff", "neutral") : null),
    h("p", { "data-role": "languages", class: "mono" }, profile.languages.map(languageText).join(" → ")),
    profile.tags.length ? h("p", { class: "hint" }, `Tags: ${profile.tags.join(", ")}`) : null,
    h("div", { class: "actions" },
      h("button", { class: "btn btn-small", "data-action": "edit", onclick: () => ctx.edit(profile) }, "Edit"),
      profile.default ? null : h("button", { class: "btn btn-small btn-danger-ghost",
        "data-action": "delete", onclick: () => ctx.remove(profile) }, "Delete")));
}

function assignmentsSection(profiles, assignments, titles, ctx) {
  const options = (selected) => profiles.map((p) => h("option", { value: String(p.id),
    selected: p.id === selected }, p.name));
  const kind = h("select", { name: "kind", "aria-label": "Kind" },
    h("option", { value: "series" }, "Series"), h("option", { value: "movie" }, "Movie"));
  const title = h("input", { type: "text", name: "title", list: "profile-titles",
    placeholder: "Title as the Wanted list shows it", "aria-label": "Title" });
  const profile = h("select", { name: "profile_id", "aria-label": "Profile" }, options(null));
  const assign = (body) => ctx.run(() => ctx.api.put("/language-profiles/assignments", body),
    "Assignment saved; the wanted list is being recomputed.");
  return h("section", { class: "card", dataset: { role: "assignments" } },
    h("h3", {}, "Assignments"),
    h("datalist", { id: "profile-titles" }, titles.map((t) => h("option", { value: t }))),
    assignments.length ? h("table", { class: "table list-table" },
      h("thead", {}, h("tr", {}, h("th", {}, "Kind"), h("th", {}, "Title"), h("th", {}, "Profile"), h("th", {}))),
      h("tbody", {}, assignments.map((a) => h("tr", { dataset: { title: a.title } },
        h("td", { "data-label": "Kind" }, a.kind), h("td", { "data-label": "Title" }, a.title),
        h("td", { "data-label": "Profile" }, h("select", { "aria-label": "Profile",
          onchange: (e) => assign({ kind: a.kind, title: a.title, profile_id: Number(e.target.value) }) },
        options(a.profile_id))),
        h("td", { class: "row-actions" }, h("button", { class: "btn btn-small btn-danger-ghost",
          "data-action": "unassign", onclick: () => assign({ kind: a.kind, title: a.title, profile_id: null }) },
        "Remove"))))))
      : h("p", { class: "empty" }, "Nothing assigned: every series and movie follows its tags or the default profile."),
    h("form", { class: "filters", "data-role": "assign-form", onsubmit: (e) => {
      e.preventDefault();
      assign({ kind: kind.value, title: title.value.trim(), profile_id: Number(profile.value) });
    } }, kind, title, profile, h("button", { type: "submit", class: "btn", "data-action": "assign" }, "Assign")));
}

export function mount(main, ctx) {
  const note = h("p", { class: "note-ok", role: "status" });
  const editor = h("div");
  const body = h("div");
  const run = async (work, done) => {
    try {
      await work();
      note.className = "note-ok";
      note.textContent = done;
      load();
    } catch (err) {
      note.className = "form-error";
      note.textContent = err.message;
    }
  };
  const view = {
    api: ctx.api, run,
    edit: (profile) => {
      replace(editor, profileForm(profile, (saved) => {
        replace(editor);
        note.className = "note-ok";
        note.textContent = `Saved ${saved.name}; the wanted list is being recomputed.`;
        load();
      }, () => replace(editor), ctx.api));
      editor.querySelector("input")?.focus();
    },
    remove: async (profile) => {
      if (!await confirmDialog(`Delete ${profile.name}?`, "Series and movies must not be assigned to it.", "Delete")) return;
      run(() => ctx.api.delete(`/language-profiles/${profile.id}`), `Deleted ${profile.name}.`);
    },
  };
  replace(main, pageHeader("Language profiles",
    "Which subtitle languages each series or movie wants, in order.",
    h("button", { class: "btn btn-primary", "data-action": "new", onclick: () => view.edit(null) }, "New profile")),
  note, editor, body);

  async function load() {
    try {
      const [profiles, assignments, wanted] = await Promise.all([
        ctx.api.get("/language-profiles"), ctx.api.get("/language-profiles/assignments"),
        ctx.api.get("/wanted", { limit: 500 }).catch(() => ({ items: [] }))]);
      const titles = [...new Set((wanted.items || []).map((i) => i.title))].sort();
      replace(body, h("div", { class: "profile-grid" }, profiles.profiles.map((p) => profileCard(p, view))),
        assignmentsSection(profiles.profiles, assignments.assignments, titles, view));
    } catch (err) {
      if (err.status === 401) return ctx.onUnauthorized();
      replace(body, err.notFound ? unavailable("Language profiles are not available yet.")
        : h("p", { class: "form-error" }, err.message));
    }
    return null;
  }
  load();
  return () => {};
}
