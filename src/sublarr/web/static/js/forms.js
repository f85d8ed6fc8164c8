// Form building blocks: labelled fields with an error slot, and showing API errors in them.

import { fieldErrors } from "./api.js";
import { h, uid } from "./dom.js";

export function field(name, label, control, hint) {
  const id = control.id || uid(name);
  control.id = id;
  control.name = control.name || name;
  const error = h("p", { class: "field-error", dataset: { errorFor: name }, role: "alert",
    id: `${id}-error` });
  control.setAttribute("aria-describedby", `${id}-error`);
  return h("div", { class: "field", dataset: { field: name } },
    h("label", { for: id }, label), control, error, hint ? h("p", { class: "hint" }, hint) : null);
}

export function checkbox(name, label, checked) {
  const input = h("input", { type: "checkbox", name, checked, id: uid(name) });
  return h("label", { class: "check", dataset: { field: name } }, input, h("span", {}, label));
}

export function clearErrors(form) {
  for (const el of form.querySelectorAll(".field-error, .form-error")) el.textContent = "";
  for (const el of form.querySelectorAll(".invalid")) el.classList.remove("invalid");
}

// Put each message next to its field; what matches no field goes to the form's own slot.
export function showErrors(form, error, fieldNames) {
  clearErrors(form);
  const errors = fieldErrors(error, fieldNames);
  for (const [name, message] of Object.entries(errors)) {
    const slot = name === "_form" ? null : form.querySelector(`[data-error-for="${name}"]`);
    if (slot) {
      slot.textContent = message;
      const control = form.querySelector(`[name="${name}"]`);
      if (control) control.classList.add("invalid");
    } else {
      const formSlot = form.querySelector(".form-error");
      if (formSlot) formSlot.textContent = message;
    }
  }
  const first = form.querySelector(".invalid");
  if (first) first.focus();
}

export function intOrNull(value) {
  const text = String(value ?? "").trim();
  if (text === "") return null;
  const number = Number(text);
  return Number.isFinite(number) ? number : text; // let the API explain what is wrong
}
