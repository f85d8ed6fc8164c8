// What a hook or webhook listens to: a set of ticked events ("*" = every event) and
// payload filters (field, operator, value), all of which must match the event's data.

import { h, pretty, replace } from "./dom.js";

export const OPS = ["=", "!=", "in", "not_in", "<", ">", "contains"];

function propertyTypes(prop) {
  if (!prop) return [];
  if (Array.isArray(prop.anyOf)) return prop.anyOf.flatMap(propertyTypes);
  if (Array.isArray(prop.type)) return prop.type;
  return prop.type ? [prop.type] : [];
}

// Field name -> JSON types, over the chosen events (every event for "*").
export function fieldTypes(catalog, events) {
  const chosen = events.includes("*") ? catalog : catalog.filter((e) => events.includes(e.name));
  const out = {};
  for (const event of chosen) {
    for (const [name, prop] of Object.entries((event.schema && event.schema.properties) || {})) {
      out[name] = [...new Set([...(out[name] || []), ...propertyTypes(prop)])];
    }
  }
  return out;
}

// Text typed by the user -> the JSON value the field's type wants (the API explains misfits).
export function parseScalar(text, types) {
  const value = String(text).trim();
  if (value === "null" && types.includes("null")) return null;
  if ((value === "true" || value === "false") && types.includes("boolean")) return value === "true";
  if ((types.includes("integer") || types.includes("number")) && value !== "" && !Number.isNaN(Number(value))) {
    return Number(value);
  }
  return value;
}

export function parseValue(text, op, types) {
  if (op === "in" || op === "not_in") {
    return String(text).split(",").map((part) => part.trim()).filter((p) => p !== "")
      .map((part) => parseScalar(part, types));
  }
  if (op === "contains" && types.includes("array")) return String(text).trim();
  return parseScalar(text, types);
}

export function valueText(value) {
  if (Array.isArray(value)) return value.map((v) => (v === null ? "null" : String(v))).join(", ");
  return value === null || value === undefined ? "null" : String(value);
}

function eventDetails(catalog, events) {
  if (events.includes("*")) return [h("p", { class: "hint" }, "Runs for every catalog event.")];
  return events.map((name) => catalog.find((e) => e.name === name)).filter(Boolean).map((event) =>
    h("div", { class: "event-detail", dataset: { event: event.name } },
      h("p", { class: "event-description" }, event.description),
      h("details", { class: "example" },
        h("summary", {}, `Example payload of ${event.name} (data)`),
        h("pre", { class: "code" }, pretty(event.example)))));
}

// A list of checkboxes named "events"; ticking "*" clears the others and the reverse.
export function eventSetPicker(catalog, selected, onChange) {
  const chosen = new Set(selected && selected.length ? selected : ["*"]);
  const details = h("div", { class: "event-details" });
  const box = (value, label) => {
    const input = h("input", { type: "checkbox", name: "events", value, checked: chosen.has(value) });
    input.addEventListener("change", () => {
      if (input.checked && value === "*") chosen.clear();
      if (input.checked && value !== "*") chosen.delete("*");
      if (input.checked) chosen.add(value); else chosen.delete(value);
      for (const other of list.querySelectorAll("input[name=events]")) other.checked = chosen.has(other.value);
      show();
      if (onChange) onChange([...chosen]);
    });
    return h("label", { class: "check event-check", dataset: { event: value } }, input,
      h("span", {}, label));
  };
  const known = new Set(catalog.map((e) => e.name));
  const list = h("div", { class: "event-set", role: "group" },
    box("*", "* — every event"),
    catalog.map((event) => box(event.name, `${event.label} (${event.name})`)),
    [...chosen].filter((n) => n !== "*" && !known.has(n)).map((n) => box(n, n)));
  const show = () => replace(details, eventDetails(catalog, [...chosen]));
  show();
  return { list, details, value: () => [...chosen] };
}

// Rows of field / operator / value; the field list follows the ticked events.
export function filterEditor(catalog, filters, events) {
  let types = fieldTypes(catalog, events);
  const rows = h("div", { class: "filter-rows" });
  const fieldOptions = (select, current) => {
    const names = Object.keys(types).sort();
    if (current && !names.includes(current)) names.unshift(current);
    replace(select, names.map((n) => h("option", { value: n, selected: n === current }, n)));
  };
  const addRow = (filter = {}) => {
    const fieldSelect = h("select", { name: "filter-field", "aria-label": "Field" });
    fieldOptions(fieldSelect, filter.field);
    const op = h("select", { name: "filter-op", "aria-label": "Operator" },
      OPS.map((o) => h("option", { value: o, selected: o === (filter.op || "=") }, o)));
    const value = h("input", { type: "text", name: "filter-value", "aria-label": "Value",
      autocomplete: "off", placeholder: "de, ja",
      value: filter.value === undefined ? "" : valueText(filter.value) });
    const row = h("div", { class: "filter-row", dataset: { role: "filter" } }, fieldSelect, op, value,
      h("button", { class: "btn btn-small btn-danger-ghost", type: "button",
        dataset: { action: "remove-filter" }, onclick: () => row.remove() }, "Remove"));
    rows.append(row);
  };
  (filters || []).forEach(addRow);
  const add = h("button", { class: "btn btn-small", type: "button", dataset: { action: "add-filter" },
    onclick: () => addRow() }, "Add filter");
  const element = h("div", { class: "filters" }, rows, add);
  return {
    element,
    eventsChanged(chosen) {
      types = fieldTypes(catalog, chosen);
      for (const select of rows.querySelectorAll("select[name=filter-field]")) fieldOptions(select, select.value);
    },
    value() {
      return [...rows.querySelectorAll("[data-role=filter]")].map((row) => {
        const field = row.querySelector("[name=filter-field]").value;
        const op = row.querySelector("[name=filter-op]").value;
        const text = row.querySelector("[name=filter-value]").value;
        return { field, op, value: parseValue(text, op, types[field] || ["string"]) };
      });
    },
  };
}

// Both editors wired together, for a connection form.
export function subscriptionEditor(catalog, item) {
  const events = item.events || (item.event_name ? [item.event_name] : ["*"]);
  let filters;
  const picker = eventSetPicker(catalog, events, (chosen) => filters.eventsChanged(chosen));
  filters = filterEditor(catalog, item.filters || [], events);
  return { picker, filters, value: () => ({ events: picker.value(), filters: filters.value() }) };
}
