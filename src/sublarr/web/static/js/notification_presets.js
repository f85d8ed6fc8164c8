// Notification presets: labelled fields -> an apprise URL.  The formats follow the `templates`
// of apprise's own plugins (apprise/plugins/<service>.py); every user value is URL-encoded.

export class PresetError extends Error {}

const enc = encodeURIComponent;

function required(values, name, label) {
  const value = String(values[name] ?? "").trim();
  if (!value) throw new PresetError(`${label} is required`);
  return value;
}

function optional(values, name) {
  return String(values[name] ?? "").trim();
}

// "host", "host:port", "host/path" or a pasted http(s) URL -> {host (with port), path, secure?}.
export function serverOf(text, label = "Server") {
  const raw = String(text ?? "").trim();
  if (!raw) throw new PresetError(`${label} is required`);
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw);
  let url;
  try {
    url = new URL(hasScheme ? raw : `http://${raw}`);
  } catch {
    throw new PresetError(`${label} "${raw}" is not a host name`);
  }
  if (hasScheme && !["http:", "https:"].includes(url.protocol)) {
    throw new PresetError(`${label} must be a host name or an http(s) URL`);
  }
  if (!url.hostname) throw new PresetError(`${label} "${raw}" is not a host name`);
  const path = url.pathname.replace(/\/+$/, "");
  return {
    host: url.host,
    path: path.split("/").filter(Boolean).map((p) => enc(decodeURIComponent(p))).join("/"),
    secure: hasScheme ? url.protocol === "https:" : null,
    user: url.username,
    password: url.password,
    search: url.searchParams,
  };
}

// The scheme pair of a self-hosted service: a typed https:// wins over the checkbox.
function scheme(plain, secure, server, values) {
  const useTls = server.secure === null ? values.https !== false : server.secure;
  return useTls ? secure : plain;
}

// URLSearchParams writes a space as "+", which apprise keeps as a plus: use %20.
function plusFree(params) {
  return params.toString().replaceAll("+", "%20");
}

function joinPath(...parts) {
  return parts.filter(Boolean).join("/");
}

const HTTPS = { name: "https", label: "HTTPS", type: "checkbox", default: true };

export const PRESETS = [
  {
    id: "discord",
    label: "Discord",
    hint: "Server settings → Integrations → Webhooks → Copy Webhook URL: "
      + "https://discord.com/api/webhooks/<id>/<token>. Pasting that URL into the first field works too.",
    fields: [
      { name: "webhook_id", label: "Webhook id", placeholder: "123456789012345678" },
      { name: "webhook_token", label: "Webhook token", secret: true },
    ],
    // apprise: discord://{webhook_id}/{webhook_token}
    build(values) {
      const pasted = optional(values, "webhook_id").match(/\/webhooks\/([^/]+)\/([^/?#]+)/);
      const id = pasted ? pasted[1] : required(values, "webhook_id", "Webhook id");
      const token = pasted ? pasted[2] : required(values, "webhook_token", "Webhook token");
      return `discord://${enc(id)}/${enc(token)}`;
    },
  },
  {
    id: "telegram",
    label: "Telegram",
    hint: "The bot token from @BotFather and the chat id (a group's id starts with -).",
    fields: [
      { name: "bot_token", label: "Bot token", placeholder: "123456789:ABCdef…", secret: true },
      { name: "chat_id", label: "Chat id", placeholder: "-1001234567890" },
    ],
    // apprise: tgram://{bot_token}/{targets}
    build(values) {
      return `tgram://${enc(required(values, "bot_token", "Bot token"))}/`
        + enc(required(values, "chat_id", "Chat id"));
    },
  },
  {
    id: "ntfy",
    label: "ntfy",
    hint: "ntfy.sh or your own server; the token only for protected topics.",
    fields: [
      { name: "host", label: "Server", placeholder: "ntfy.sh", default: "ntfy.sh" },
      { name: "topic", label: "Topic", placeholder: "sublarr" },
      { name: "token", label: "Access token (optional)", placeholder: "tk_…", secret: true },
      HTTPS,
    ],
    // apprise: ntfy(s)://{host}/{targets}, ntfy(s)://{token}@{host}/{targets} (auth=token)
    build(values) {
      const server = serverOf(values.host, "Server");
      const topic = required(values, "topic", "Topic");
      if (!/^[a-z0-9_-]{1,64}$/i.test(topic)) {
        throw new PresetError("Topic may hold only letters, digits, - and _ (at most 64)");
      }
      const token = optional(values, "token");
      const auth = token ? `${enc(token)}@` : "";
      return `${scheme("ntfy", "ntfys", server, values)}://${auth}${server.host}/`
        + `${joinPath(server.path, topic)}${token ? "?auth=token" : ""}`;
    },
  },
  {
    id: "gotify",
    label: "Gotify",
    hint: "Gotify → Apps → create an application and copy its token.",
    fields: [
      { name: "host", label: "Server", placeholder: "gotify.example.org" },
      { name: "token", label: "App token", secret: true },
      HTTPS,
    ],
    // apprise: gotify(s)://{host}{path}{token}
    build(values) {
      const server = serverOf(values.host, "Server");
      const token = enc(required(values, "token", "App token"));
      return `${scheme("gotify", "gotifys", server, values)}://${server.host}/`
        + joinPath(server.path, token);
    },
  },
  {
    id: "pushover",
    label: "Pushover",
    hint: "Your user key (Pushover dashboard) and the API token of an application you created.",
    fields: [
      { name: "user_key", label: "User key", secret: true },
      { name: "token", label: "App token", secret: true },
    ],
    // apprise: pover://{user_key}@{token}
    build(values) {
      return `pover://${enc(required(values, "user_key", "User key"))}@`
        + enc(required(values, "token", "App token"));
    },
  },
  {
    id: "email",
    label: "Email",
    hint: "Your mail provider's SMTP server; many need an app password rather than your login password.",
    fields: [
      { name: "host", label: "SMTP server", placeholder: "smtp.example.org" },
      { name: "port", label: "Port", placeholder: "587", default: "587", inputmode: "numeric" },
      { name: "security", label: "Security", type: "select", default: "starttls",
        options: [["starttls", "STARTTLS (587)"], ["ssl", "SSL/TLS (465)"], ["none", "None (25)"]] },
      { name: "user", label: "SMTP user", placeholder: "me@example.org", autocomplete: "username" },
      { name: "password", label: "SMTP password", secret: true },
      { name: "to", label: "Send to", placeholder: "me@example.org" },
      { name: "from", label: "From (optional: the user when it is an address)",
        placeholder: "sublarr@example.org" },
    ],
    // apprise: mailto(s)://{user}:{password}@{host}:{port}?to=&from=&mode=
    build(values) {
      const server = serverOf(values.host, "SMTP server");
      const port = optional(values, "port");
      if (port && !/^\d{1,5}$/.test(port)) throw new PresetError("Port must be a number");
      const user = required(values, "user", "SMTP user");
      const password = required(values, "password", "SMTP password");
      const to = required(values, "to", "Send to");
      const from = optional(values, "from") || (user.includes("@") ? user : "");
      if (!from) throw new PresetError("From is required when the SMTP user is not an address");
      const security = values.security || "starttls";
      const query = new URLSearchParams({ to, from });
      if (security !== "none") query.set("mode", security);
      const host = port ? `${server.host.replace(/:\d+$/, "")}:${port}` : server.host;
      return `${security === "none" ? "mailto" : "mailtos"}://${enc(user)}:${enc(password)}@`
        + `${host}?${plusFree(query)}`;
    },
  },
  {
    id: "homeassistant",
    label: "Home Assistant",
    hint: "Your profile → Security → Long-lived access tokens. Shows as a persistent notification.",
    fields: [
      { name: "host", label: "Home Assistant", placeholder: "homeassistant.local:8123" },
      { name: "token", label: "Long-lived access token", secret: true },
      HTTPS,
    ],
    // apprise: hassio(s)://{host}/{accesstoken}
    build(values) {
      const server = serverOf(values.host, "Home Assistant");
      const token = enc(required(values, "token", "Long-lived access token"));
      return `${scheme("hassio", "hassios", server, values)}://${server.host}/`
        + joinPath(server.path, token);
    },
  },
  {
    id: "json",
    label: "Generic JSON",
    hint: "Sublarr POSTs {version, title, message, type} as JSON to this URL.",
    fields: [
      { name: "url", label: "URL", placeholder: "https://example.org/notify", inputmode: "url",
        wide: true },
    ],
    // apprise: json(s)://{user}:{password}@{host}:{port}{path}; ?-name=value for query parameters
    build(values) {
      const raw = required(values, "url", "URL");
      if (!/^https?:\/\//i.test(raw)) throw new PresetError("URL must start with http:// or https://");
      const server = serverOf(raw, "URL");
      const auth = server.user ? `${server.user}${server.password ? `:${server.password}` : ""}@` : "";
      const query = new URLSearchParams();
      for (const [key, value] of server.search) query.append(`-${key}`, value);
      const search = plusFree(query);
      return `${server.secure ? "jsons" : "json"}://${auth}${server.host}/${server.path}`
        + (search ? `?${search}` : "");
    },
  },
  {
    id: "custom",
    label: "Custom apprise URL",
    hint: "Any URL apprise understands (see the apprise wiki for the 100+ services).",
    fields: [],
    build: null, // the URL field itself is edited
  },
];

export function presetOf(id) {
  return PRESETS.find((p) => p.id === id) || null;
}

// Values for a preset, or a PresetError naming the missing/invalid field.
export function buildUrl(id, values) {
  const preset = presetOf(id);
  if (!preset) throw new PresetError(`unknown preset ${id}`);
  if (!preset.build) return String(values.url ?? "").trim();
  return preset.build(values);
}
