// The single-page shell: login, navigation (hash routes), theme, live connection.

import { ActivityStore, NOTICE_STREAMS, PROGRESS_STREAMS } from "./activity_store.js";
import { Api, ApiError } from "./api.js";
import { h, replace } from "./dom.js";
import { LiveSocket } from "./socket.js";
import * as activity from "./pages/activity.js";
import * as connect from "./pages/connect.js";
import * as general from "./pages/general.js";
import * as hooks from "./pages/hooks.js";
import * as lists from "./pages/lists.js";
import * as log from "./pages/log.js";
import * as login from "./pages/login.js";
import * as profiles from "./pages/profiles.js";
import * as scoring from "./pages/scoring.js";
import * as tasks from "./pages/tasks.js";

const KEY_STORAGE = "sublarr.apiKey";
const THEME_STORAGE = "sublarr.theme";

const ROUTES = [
  { path: "activity", label: "Activity", icon: "◉", page: activity },
  { path: "wanted", label: "Wanted", icon: "☰", page: lists.wanted },
  { path: "history", label: "History", icon: "↺", page: lists.history },
  { path: "blacklist", label: "Blacklist", icon: "⊘", page: lists.blacklist },
  { path: "log", label: "Delivery log", icon: "⇄", page: log },
  { path: "system/tasks", label: "Tasks", icon: "⏱", page: tasks },
  { section: "Settings" },
  { path: "settings/connect", label: "Connect", icon: "✉", page: connect },
  { path: "settings/events", label: "Events & Hooks", icon: "⚡", page: hooks },
  { path: "settings/scoring", label: "Scoring", icon: "★", page: scoring },
  { path: "settings/profiles", label: "Language profiles", icon: "⚑", page: profiles },
  { path: "settings/general", label: "General", icon: "⚙", page: general },
];
const DEFAULT_ROUTE = "activity";

class App {
  constructor(root) {
    this.root = root;
    this.api = null;
    this.socket = null;
    this.activity = new ActivityStore();
    this.catalogPromise = null;
    this.cleanup = null;
    this.main = null;
    this.nav = null;
  }

  async boot() {
    applyTheme(localStorage.getItem(THEME_STORAGE));
    window.addEventListener("hashchange", () => this.route());
    const key = localStorage.getItem(KEY_STORAGE);
    if (key && await this.tryKey(key).catch(() => false)) {
      this.start(key);
    } else {
      this.showLogin();
    }
  }

  // The key is valid when the (authenticated) settings endpoint accepts it.
  async tryKey(key) {
    try {
      await new Api(key).get("/config");
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return false;
      throw err;
    }
  }

  showLogin() {
    this.stopLive();
    login.mount(this.root, {
      tryKey: (key) => this.tryKey(key),
      onSuccess: (key) => {
        localStorage.setItem(KEY_STORAGE, key);
        this.start(key);
      },
    });
  }

  logout() {
    localStorage.removeItem(KEY_STORAGE);
    this.api = null;
    this.showLogin();
  }

  start(key) {
    this.api = new Api(key);
    this.catalogPromise = null;
    this.renderShell();
    this.startLive(key);
    this.route();
  }

  startLive(key) {
    this.stopLive();
    this.socket = new LiveSocket(key);
    this.socket.onAny((name, data) => {
      if (PROGRESS_STREAMS.includes(name)) this.activity.addProgress(name, data);
      else if (!NOTICE_STREAMS.includes(name)) this.activity.addEvent(name, data);
    });
    this.socket.onState((state, detail) => this.showConnection(state, detail));
    this.socket.start();
  }

  stopLive() {
    if (this.socket) this.socket.stop();
    this.socket = null;
  }

  catalog() {
    if (!this.catalogPromise) {
      this.catalogPromise = this.api.get("/events/catalog")
        .then((data) => data.events || [])
        .catch((err) => {
          this.catalogPromise = null;
          throw err;
        });
    }
    return this.catalogPromise;
  }

  renderShell() {
    const menuButton = h("button", {
      class: "icon-btn menu-btn", "aria-label": "Menu", "aria-expanded": "false",
      onclick: () => this.toggleMenu(),
    }, "☰");
    this.connection = h("span", { class: "conn", "data-state": "idle", title: "Live updates" },
      h("span", { class: "dot" }), h("span", { class: "conn-label" }, "offline"));
    this.nav = h("nav", { class: "nav", "aria-label": "Main" }, ROUTES.map((r) => (r.section
      ? h("div", { class: "nav-section" }, r.section)
      : h("a", { href: `#/${r.path}`, class: "nav-link", dataset: { path: r.path },
        onclick: () => this.toggleMenu(false) },
      h("span", { class: "nav-icon", "aria-hidden": "true" }, r.icon), r.label))));
    this.main = h("main", { class: "main", id: "main" });
    const header = h("header", { class: "topbar" },
      menuButton,
      h("a", { class: "brand", href: "#/activity" },
        h("img", { src: "static/favicon.svg", alt: "", width: 24, height: 24 }), "Sublarr"),
      h("div", { class: "topbar-right" },
        this.connection,
        h("button", { class: "icon-btn", id: "theme-toggle", title: "Switch light/dark",
          "aria-label": "Switch light/dark theme", onclick: () => toggleTheme() }, "◐"),
        h("button", { class: "btn btn-small", id: "logout", onclick: () => this.logout() },
          "Log out")));
    this.menuButton = menuButton;
    replace(this.root, header, h("div", { class: "layout" },
      h("aside", { class: "sidebar" }, this.nav), this.main));
  }

  toggleMenu(force) {
    const open = force ?? !this.root.classList.contains("menu-open");
    this.root.classList.toggle("menu-open", open);
    if (this.menuButton) this.menuButton.setAttribute("aria-expanded", String(open));
  }

  showConnection(state, detail) {
    if (!this.connection) return;
    const labels = { connected: "live", connecting: "connecting…", disconnected: "reconnecting…",
      unauthorized: "refused", idle: "offline" };
    this.connection.dataset.state = state;
    this.connection.title = detail ? `Live updates: ${detail}` : "Live updates";
    this.connection.querySelector(".conn-label").textContent = labels[state] || state;
  }

  route() {
    if (!this.api || !this.main) return;
    const path = location.hash.replace(/^#\/?/, "").split("?")[0] || DEFAULT_ROUTE;
    const route = ROUTES.find((r) => r.path === path);
    if (!route) {
      location.hash = `#/${DEFAULT_ROUTE}`;
      return;
    }
    if (this.cleanup) this.cleanup();
    this.cleanup = null;
    for (const link of this.nav.querySelectorAll(".nav-link")) {
      link.classList.toggle("active", link.dataset.path === path);
      if (link.dataset.path === path) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    document.title = `${route.label} · Sublarr`;
    replace(this.main);
    this.main.scrollTop = 0;
    const ctx = {
      api: this.api,
      socket: this.socket,
      activity: this.activity,
      catalog: () => this.catalog(),
      onUnauthorized: () => this.logout(),
    };
    const result = route.page.mount(this.main, ctx);
    this.cleanup = typeof result === "function" ? result : null;
  }
}

function applyTheme(theme) {
  if (theme === "dark" || theme === "light") document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
}

function currentTheme() {
  const explicit = document.documentElement.dataset.theme;
  if (explicit) return explicit;
  return matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

function toggleTheme() {
  const next = currentTheme() === "dark" ? "light" : "dark";
  localStorage.setItem(THEME_STORAGE, next);
  applyTheme(next);
}

const app = new App(document.getElementById("app"));
window.sublarr = app; // handy in the browser console and for the browser tests
app.boot();
