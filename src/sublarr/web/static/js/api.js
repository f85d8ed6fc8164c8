// The HTTP API client: every call sends the key; errors become ApiError with the server's message.

// Relative to the page, so Sublarr also works behind a reverse proxy under a sub-path.
export const BASE = location.pathname.replace(/[^/]*$/, "");
const PREFIX = `${BASE}api/v1`;

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }

  get notFound() {
    return this.status === 404;
  }
}

export class Api {
  constructor(key) {
    this.key = key;
  }

  async request(method, path, body, { prefix = PREFIX } = {}) {
    const headers = { "X-Api-Key": this.key, Accept: "application/json" };
    const init = { method, headers, cache: "no-store" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(prefix + path, init);
    } catch (err) {
      throw new ApiError(0, "network_error", `Sublarr is not reachable (${err.message})`, null);
    }
    const text = await response.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (!response.ok) {
      const error = (data && data.error) || {};
      throw new ApiError(response.status, error.code || `http_${response.status}`,
        error.message || `${response.status} ${response.statusText}`, error.details ?? null);
    }
    return data;
  }

  get(path, query) {
    return this.request("GET", path + queryString(query));
  }

  post(path, body = {}) {
    return this.request("POST", path, body);
  }

  put(path, body = {}) {
    return this.request("PUT", path, body);
  }

  delete(path, query) {
    return this.request("DELETE", path + queryString(query));
  }
}

export function queryString(query) {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

// List endpoints answer either a bare array or an object holding the array under some key.
export function listOf(data, ...keys) {
  if (Array.isArray(data)) return data;
  if (!data || typeof data !== "object") return [];
  for (const key of [...keys, "items", "results", "data"]) {
    if (Array.isArray(data[key])) return data[key];
  }
  const arrays = Object.values(data).filter(Array.isArray);
  return arrays.length === 1 ? arrays[0] : [];
}

// The total row count of a paged answer, when the API reports one.
export function totalOf(data) {
  if (!data || typeof data !== "object" || Array.isArray(data)) return null;
  for (const key of ["total", "total_count", "count", "totalRecords"]) {
    if (Number.isInteger(data[key])) return data[key];
  }
  return null;
}

// An object answered as-is or wrapped in a single key ({"hook": {...}}).
export function objectOf(data, ...keys) {
  if (!data || typeof data !== "object") return data;
  for (const key of keys) {
    if (data[key] && typeof data[key] === "object" && !Array.isArray(data[key])) return data[key];
  }
  return data;
}

function cleanMessage(message) {
  return String(message || "").replace(/^(Value|Assertion) error, /, "");
}

// Map an API error onto form field names: {field: message}, plus "_form" for the rest.
export function fieldErrors(error, fieldNames) {
  const names = new Set(fieldNames);
  const out = {};
  const put = (field, message) => {
    const key = names.has(field) ? field : "_form";
    out[key] = out[key] ? `${out[key]}; ${message}` : message;
  };
  const details = error && error.details;
  if (Array.isArray(details) && details.length) {
    for (const item of details) {
      const loc = Array.isArray(item && item.loc) ? item.loc.map(String) : [];
      const field = loc.find((part) => names.has(part));
      const label = field ? "" : (loc.filter((p) => p !== "body").join(".") + ": ");
      put(field || "_form", label.length > 2 ? label + cleanMessage(item.msg || item.message)
        : cleanMessage(item.msg || item.message || error.message));
    }
    return out;
  }
  const listed = details && typeof details === "object" && !Array.isArray(details)
    ? ["fields", "keys", "unknown", "unknown_keys", "read_only_keys"]
      .flatMap((k) => (Array.isArray(details[k]) ? details[k] : [])).filter((n) => names.has(n))
    : [];
  if (listed.length) {
    for (const name of listed) put(name, cleanMessage(error.message));
    return out;
  }
  const hinted = details && typeof details === "object"
    ? (details.field || (Array.isArray(details.loc) ? details.loc.find((p) => names.has(p)) : null))
    : null;
  if (hinted && names.has(hinted)) {
    put(hinted, cleanMessage(error.message));
    return out;
  }
  // Typed errors without structured details usually name the field in their message.
  const named = [...names].find((name) => new RegExp(`\\b${name}\\b`).test(error.message || ""));
  put(named || "_form", cleanMessage(error.message));
  return out;
}
