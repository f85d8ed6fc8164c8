// Rendering the outcome of a hook run or webhook delivery (Test buttons, delivery log).

import { formatDuration, h, successBadge } from "./dom.js";

const EXCERPT_KEYS = ["response_excerpt", "response_body", "response", "body", "excerpt"];

function successOf(result) {
  if (typeof result.success === "boolean") return result.success;
  if (Number.isInteger(result.status_code)) return result.status_code >= 200 && result.status_code < 300;
  if (Number.isInteger(result.exit_code)) return result.exit_code === 0;
  return null;
}

function block(label, text, cls = "") {
  if (text === null || text === undefined || text === "") return null;
  const value = typeof text === "string" ? text : JSON.stringify(text, null, 2);
  return h("div", { class: `result-block ${cls}` },
    h("div", { class: "result-label" }, label), h("pre", { class: "code" }, value));
}

export function excerptOf(result) {
  for (const key of EXCERPT_KEYS) {
    if (result[key] !== undefined && result[key] !== null && result[key] !== "") return result[key];
  }
  return null;
}

export function resultFacts(result) {
  const facts = [];
  if (result.exit_code !== undefined && result.exit_code !== null) {
    facts.push(["Exit code", result.exit_code]);
  }
  if (result.status_code !== undefined && result.status_code !== null) {
    facts.push(["HTTP status", result.status_code]);
  }
  if (result.attempts !== undefined && result.attempts !== null) facts.push(["Attempts", result.attempts]);
  if (result.duration_ms !== undefined && result.duration_ms !== null) {
    facts.push(["Duration", formatDuration(result.duration_ms)]);
  }
  return facts;
}

export function renderResult(raw, title = "Test result") {
  const result = (raw && (raw.result || raw.delivery || raw.run)) || raw || {};
  const success = successOf(result);
  return h("div", { class: `result ${success === false ? "result-bad" : "result-ok"}`,
    role: "status" },
  h("div", { class: "result-head" }, h("strong", {}, title), successBadge(success),
    resultFacts(result).map(([label, value]) => h("span", { class: "fact" },
      h("span", { class: "fact-label" }, `${label} `), h("span", { class: "fact-value" }, value)))),
  block("Error", result.error, "result-error"),
  block("stdout", result.stdout),
  block("stderr", result.stderr),
  block("Response", excerptOf(result)));
}
