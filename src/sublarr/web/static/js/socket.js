// A small Socket.IO v5 client (Engine.IO v4, WebSocket transport only) over the native WebSocket.
//
// Engine.IO packets: 0 open, 1 close, 2 ping, 3 pong, 4 message.  A message carries a
// Socket.IO packet: 0 connect, 1 disconnect, 2 event, 4 connect error.  So an event arrives
// as `42["name",data]`, the namespace connect with auth is `40{"apikey":...}`.

const MIN_DELAY_MS = 500;
const MAX_DELAY_MS = 30000;

export class LiveSocket {
  constructor(apiKey, { url = defaultUrl() } = {}) {
    this.apiKey = apiKey;
    this.url = url;
    this.state = "idle";
    this.handlers = new Map();
    this.anyHandlers = new Set();
    this.stateHandlers = new Set();
    this.ws = null;
    this.attempt = 0;
    this.retryTimer = null;
    this.heartbeatTimer = null;
    this.heartbeatMs = 45000;
    this.stopped = false;
  }

  start() {
    this.stopped = false;
    this.open();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.heartbeatTimer);
    if (this.ws) this.ws.close();
    this.ws = null;
    this.setState("idle");
  }

  on(name, fn) {
    if (!this.handlers.has(name)) this.handlers.set(name, new Set());
    this.handlers.get(name).add(fn);
    return () => this.handlers.get(name).delete(fn);
  }

  onAny(fn) {
    this.anyHandlers.add(fn);
    return () => this.anyHandlers.delete(fn);
  }

  onState(fn) {
    this.stateHandlers.add(fn);
    fn(this.state);
    return () => this.stateHandlers.delete(fn);
  }

  setState(state, detail = null) {
    this.state = state;
    for (const fn of this.stateHandlers) fn(state, detail);
  }

  open() {
    clearTimeout(this.retryTimer);
    this.setState("connecting");
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (err) {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onmessage = (message) => this.receive(String(message.data));
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      clearTimeout(this.heartbeatTimer);
      if (!this.stopped) this.scheduleReconnect();
    };
    ws.onerror = () => ws.close();
  }

  scheduleReconnect() {
    if (this.state !== "unauthorized") this.setState("disconnected");
    const base = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 2 ** this.attempt);
    this.attempt += 1;
    const delay = base / 2 + Math.random() * (base / 2);
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  // A server that stops pinging is gone even if the TCP connection looks open.
  armHeartbeat() {
    clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = setTimeout(() => {
      if (this.ws) this.ws.close();
    }, this.heartbeatMs);
  }

  send(packet) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(packet);
  }

  receive(packet) {
    this.armHeartbeat();
    const type = packet[0];
    const rest = packet.slice(1);
    if (type === "0") {
      const open = safeJson(rest) || {};
      this.heartbeatMs = (open.pingInterval || 25000) + (open.pingTimeout || 20000);
      this.armHeartbeat();
      this.send(`40${JSON.stringify({ apikey: this.apiKey })}`);
    } else if (type === "2") {
      this.send("3");
    } else if (type === "1") {
      if (this.ws) this.ws.close();
    } else if (type === "4") {
      this.receiveSocketIo(rest);
    }
  }

  receiveSocketIo(packet) {
    const type = packet[0];
    let body = packet.slice(1);
    if (body.startsWith("/")) {
      const comma = body.indexOf(",");
      const namespace = comma < 0 ? body : body.slice(0, comma);
      if (namespace !== "/") return;
      body = comma < 0 ? "" : body.slice(comma + 1);
    }
    if (type === "0") {
      this.attempt = 0;
      this.setState("connected");
    } else if (type === "4") {
      const error = safeJson(body) || {};
      this.setState("unauthorized", error.message || "refused");
      // A refused key will stay refused; retry slowly in case the key file is restored.
      this.attempt = 10;
      if (this.ws) this.ws.close();
    } else if (type === "1") {
      if (this.ws) this.ws.close();
    } else if (type === "2") {
      const args = safeJson(body.replace(/^\d+/, ""));
      if (Array.isArray(args) && typeof args[0] === "string") this.dispatch(args[0], args[1]);
    }
  }

  dispatch(name, data) {
    for (const fn of this.handlers.get(name) || []) safely(fn, data, name);
    for (const fn of this.anyHandlers) safely(fn, name, data);
  }
}

function safely(fn, ...args) {
  try {
    fn(...args);
  } catch (err) {
    console.error("socket handler failed", err);
  }
}

function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function defaultUrl() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const base = location.pathname.replace(/[^/]*$/, "");
  return `${scheme}//${location.host}${base}socket.io/?EIO=4&transport=websocket`;
}
