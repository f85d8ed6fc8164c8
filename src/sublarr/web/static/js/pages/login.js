// API-key login: the key is checked against the API, then kept in localStorage.

import { h, replace } from "../dom.js";

export function mount(root, { tryKey, onSuccess }) {
  const input = h("input", {
    id: "api-key", name: "apikey", type: "password", autocomplete: "current-password",
    required: true, spellcheck: "false", placeholder: "32 hex characters",
  });
  const error = h("p", { class: "field-error", id: "api-key-error", role: "alert" });
  const button = h("button", { class: "btn btn-primary", type: "submit" }, "Log in");
  const form = h("form", { class: "login-card card", novalidate: true },
    h("div", { class: "login-brand" },
      h("img", { src: "static/favicon.svg", alt: "", width: 40, height: 40 }),
      h("h1", {}, "Sublarr")),
    h("label", { for: "api-key" }, "API key"),
    input,
    error,
    h("p", { class: "hint" }, "Printed in the log on first start; ",
      h("code", {}, "sublarr api-key --data-dir DIR"), " shows it again."),
    button);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    error.textContent = "";
    if (!key) {
      error.textContent = "Enter the API key.";
      return;
    }
    button.disabled = true;
    try {
      if (await tryKey(key)) onSuccess(key);
      else error.textContent = "This API key was not accepted.";
    } catch (err) {
      error.textContent = err.message;
    } finally {
      button.disabled = false;
    }
  });
  replace(root, h("div", { class: "login-wrap" }, form));
  input.focus();
}
