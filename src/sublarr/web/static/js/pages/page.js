// Shared page pieces: headings, "not available yet" notices, pagers.

import { h } from "../dom.js";

export function pageHeader(title, subtitle, ...actions) {
  return h("div", { class: "page-head" },
    h("div", {}, h("h1", {}, title), subtitle ? h("p", { class: "hint" }, subtitle) : null),
    actions.length ? h("div", { class: "page-actions" }, actions) : null);
}

export function unavailable(message) {
  return h("div", { class: "unavailable", dataset: { role: "unavailable" } },
    h("strong", {}, "Not available yet"), h("p", {}, message));
}

// Offset paging: works with or without a total from the API.
export function pager({ offset, limit, count, total, onChange }) {
  const page = Math.floor(offset / limit) + 1;
  const pages = total === null || total === undefined ? null : Math.max(1, Math.ceil(total / limit));
  const hasNext = pages === null ? count >= limit : page < pages;
  return h("div", { class: "pager" },
    h("button", { class: "btn btn-small", disabled: offset <= 0, dataset: { action: "prev" },
      onclick: () => onChange(Math.max(0, offset - limit)) }, "‹ Prev"),
    h("span", { class: "pager-info" }, pages === null ? `Page ${page}` : `Page ${page} of ${pages}`,
      total !== null && total !== undefined ? ` · ${total} total` : ""),
    h("button", { class: "btn btn-small", disabled: !hasNext, dataset: { action: "next" },
      onclick: () => onChange(offset + limit) }, "Next ›"));
}
