// Wanted and History: searchable, filterable, paged lists over whatever the subsystem reports.

import { listOf, totalOf } from "../api.js";
import { badge, confirmDialog, debounce, formatTime, h, replace } from "../dom.js";
import { pageHeader, pager, unavailable } from "./page.js";
import { openPickDialog } from "./pick.js";
import { scanBanner } from "./wanted_scan.js";

const LIMIT = 25;

function episodeCode(row) {
  if (row.season === null || row.season === undefined) {
    return row.episode === null || row.episode === undefined ? "" : `E${row.episode}`;
  }
  const pad = (n) => String(n).padStart(2, "0");
  return `S${pad(row.season)}E${pad(row.episode ?? 0)}`;
}

function titleOf(row) {
  const base = row.title || row.series_title || row.movie_title || row.name
    || (row.media_path ? String(row.media_path).split("/").pop() : `#${row.id}`);
  const code = episodeCode(row);
  return code ? `${base} ${code}` : base;
}

const STATUS_TONES = { found: "ok", downloaded: "ok", upgraded: "ok", wanted: "accent",
  missing: "accent", searching: "neutral", failed: "bad", not_found: "neutral", dropped: "bad" };

// Columns: label, how to read a row, and which keys must be present for the column to show.
const COMMON = {
  title: { label: "Title", keys: ["title", "media_path", "name"], cell: (r) => h("div", {},
    h("div", { class: "cell-title" }, titleOf(r)),
    r.media_path ? h("div", { class: "cell-sub mono" }, r.media_path) : null) },
  language: { label: "Language", keys: ["language"], cell: (r) => h("span", { class: "mono" },
    r.language) },
  status: { label: "Status", keys: ["status"], cell: (r) => badge(String(r.status).replace(/_/g, " "),
    STATUS_TONES[r.status] || "neutral") },
  provider: { label: "Provider", keys: ["provider"], cell: (r) => r.provider || "—" },
  score: { label: "Score", keys: ["score"], cell: (r) => r.score ?? "—" },
  subtitle: { label: "Subtitle", keys: ["subtitle_id"], cell: (r) => h("div", {},
    h("div", { class: "cell-title" }, r.release_name || r.subtitle_id),
    h("div", { class: "cell-sub mono" }, r.subtitle_id)) },
  action: { label: "Action", keys: ["action"], cell: (r) => badge(r.action, STATUS_TONES[r.action] || "neutral") },
  attempts: { label: "Attempts", keys: ["attempts"], cell: (r) => String(r.attempts ?? 0) },
  next: { label: "Next search", keys: ["next_search_at"],
    cell: (r) => (r.next_search_at ? formatTime(r.next_search_at)
      : h("span", { class: "cell-sub", title: r.last_error || "" },
        r.status === "dropped" ? `dropped: ${r.last_error || ""}` : "—")) },
  searched: { label: "Last search", keys: ["last_searched_at", "searched_at"],
    cell: (r) => formatTime(r.last_searched_at || r.searched_at) },
  added: { label: "Added", keys: ["added_at", "created_at"], cell: (r) => formatTime(r.added_at || r.created_at) },
  when: { label: "When", keys: ["downloaded_at", "created_at", "timestamp", "at"],
    cell: (r) => formatTime(r.downloaded_at || r.created_at || r.timestamp || r.at) },
};

const MEDIA_TYPES = { name: "media_type", label: "Any type",
  options: [["episode", "Episodes"], ["movie", "Movies"]] };
const LANGUAGE = { name: "language", label: "Language", type: "text", placeholder: "Language (en)" };

export const wanted = {
  mount: (main, ctx) => listPage(main, ctx, {
    title: "Wanted",
    subtitle: "Media files that still miss a subtitle in a wanted language.",
    path: "/wanted",
    keys: ["items", "wanted"],
    search: true,
    columns: ["title", "language", "status", "attempts", "searched", "next", "added"],
    filters: [{ name: "status", label: "Any status",
      options: [["wanted", "Wanted"], ["searching", "Searching"], ["found", "Found"],
        ["not_found", "Not found"], ["failed", "Failed"], ["dropped", "Dropped"]] },
    MEDIA_TYPES,
    { name: "source", label: "Any source", options: [["sonarr", "Sonarr"], ["radarr", "Radarr"],
      ["jellyfin", "Jellyfin"], ["standalone", "Watched folders"]] },
    LANGUAGE],
    liveEvents: ["wanted_scan_complete", "wanted_item_processed", "batch_complete"],
    banner: scanBanner,
    actions: [{ label: "Scan now", path: "/wanted/scan", done: "Scan started." },
      { label: "Search all", path: "/wanted/search", done: "Search started; progress shows in Activity." }],
    rowActions: [
      { label: "Search", name: "search", run: async (row, api) => {
        await api.post("/wanted/search", { ids: [row.id] });
        return `Searching ${titleOf(row)}…`;
      } },
      { label: "Pick…", name: "pick", run: (row, api) => pickFor(api, row, `/wanted/${row.id}`) },
    ],
  }),
};

async function pickFor(api, row, base) {
  const picked = await openPickDialog(api, { candidates: `${base}/candidates`, pick: `${base}/pick`,
    title: `${titleOf(row)} (${row.language})` });
  return picked ? `Saved ${picked.provider} subtitle (score ${picked.score}) as ${picked.subtitle_path}` : null;
}

const BLACKLIST_OUTCOMES = {
  removed: "its file was removed and the file is searched again",
  missing: "the file is searched again",
  kept_replaced: "the subtitle file on disk was replaced by hand, so it was kept",
  kept_outside_roots: "its file lies outside the library roots, so it was kept",
};

async function blacklistRow(row, api) {
  const sure = await confirmDialog("Blacklist this subtitle?",
    `${row.provider} ${row.subtitle_id} will never be downloaded again for ${titleOf(row)}.`,
    "Blacklist");
  if (!sure) return null;
  const done = await api.post(`/history/${row.id}/blacklist`);
  return `Blacklisted: ${BLACKLIST_OUTCOMES[done.file] || done.file}.`;
}

export const history = {
  mount: (main, ctx) => listPage(main, ctx, {
    title: "History",
    subtitle: "Subtitles downloaded and upgraded, newest first.",
    path: "/history",
    keys: ["items", "history", "entries"],
    search: true,
    columns: ["when", "title", "language", "action", "provider", "score"],
    filters: [{ name: "action", label: "Any action",
      options: [["downloaded", "Downloaded"], ["upgraded", "Upgraded"]] },
    MEDIA_TYPES,
    { name: "provider", label: "Provider", type: "text", placeholder: "Provider" },
    LANGUAGE],
    liveEvents: ["subtitle_downloaded", "upgrade_complete"],
    actions: [],
    rowActions: [
      { label: "Pick…", name: "pick", run: (row, api) => pickFor(api, row, `/history/${row.id}`) },
      { label: "Blacklist", name: "blacklist", tone: "danger-ghost", run: blacklistRow },
    ],
  }),
};

function listPage(main, ctx, spec) {
  // Searching, filtering and paging happen on the server (75,000 rows stay fast);
  // `seq` drops answers that arrive after a newer request (typing, quick paging).
  const state = { offset: 0, search: "", filters: {}, seq: 0 };
  const body = h("div", { class: "list-body" });
  const pagerSlot = h("div");
  const note = h("p", { class: "note-ok", role: "status" });
  const search = h("input", { type: "search", name: "search", placeholder: "Search titles and paths",
    "aria-label": "Search", oninput: debounce(() => {
      state.search = search.value.trim();
      state.offset = 0;
      load();
    }, 300) });
  const changed = (name, value) => {
    state.filters[name] = value;
    state.offset = 0;
    load();
  };
  const filterEls = spec.filters.map((f) => {
    if (f.type === "text") {
      const input = h("input", { type: "search", name: f.name, "aria-label": f.label,
        placeholder: f.placeholder, class: "filter-text",
        oninput: debounce(() => changed(f.name, input.value.trim()), 300) });
      return input;
    }
    const select = h("select", { name: f.name, "aria-label": f.label,
      onchange: () => changed(f.name, select.value) },
    h("option", { value: "" }, f.label), f.options.map(([v, l]) => h("option", { value: v }, l)));
    return select;
  });
  const report = async (work) => {
    try {
      const done = await work();
      if (done === null) return;
      note.className = "note-ok";
      note.textContent = done;
    } catch (err) {
      note.className = "form-error";
      note.textContent = err.message;
    }
  };
  const runAction = (path, payload, done) => report(async () => {
    await ctx.api.post(path, payload);
    return done;
  });
  const runRow = (action, row) => report(async () => {
    const done = await action.run(row, ctx.api);
    if (done !== null) load();
    return done;
  });
  const actionButtons = spec.actions.map((a) => h("button", { class: "btn",
    onclick: () => runAction(a.path, {}, a.done) }, a.label));
  const filterBar = h("form", { class: "filters", onsubmit: (e) => e.preventDefault() },
    spec.search ? search : null, filterEls);
  const refresh = debounce(() => load(), 500);
  const [banner, offBanner] = spec.banner ? spec.banner(ctx, refresh) : [null, () => {}];
  replace(main, pageHeader(spec.title, spec.subtitle, ...actionButtons), note, banner,
    h("section", { class: "card" }, filterBar, body, pagerSlot));

  async function load() {
    const query = { limit: LIMIT, offset: state.offset, ...state.filters };
    if (spec.search && state.search) query.q = state.search;
    const seq = ++state.seq;
    try {
      const data = await ctx.api.get(spec.path, query);
      if (seq !== state.seq) return null;
      const rows = listOf(data, ...spec.keys);
      render(rows, totalOf(data));
    } catch (err) {
      if (seq !== state.seq) return null;
      if (err.status === 401) return ctx.onUnauthorized();
      filterBar.hidden = err.notFound;
      replace(body, err.notFound
        ? unavailable(`${spec.title} is not available yet (/api/v1${spec.path} answered 404).`)
        : h("p", { class: "form-error" }, err.message));
      replace(pagerSlot);
    }
    return null;
  }

  function render(rows, total) {
    filterBar.hidden = false;
    if (!rows.length) {
      replace(body, h("p", { class: "empty" }, state.search || Object.values(state.filters).some(Boolean)
        ? "Nothing matches these filters." : "Nothing here yet."));
    } else {
      const columns = spec.columns.map((c) => COMMON[c])
        .filter((col) => rows.some((r) => col.keys.some((k) => r[k] !== undefined)));
      const acts = spec.rowActions || [];
      replace(body, h("table", { class: "table list-table" },
        h("thead", {}, h("tr", {}, columns.map((c) => h("th", {}, c.label)), acts.length ? h("th", {}) : null)),
        h("tbody", {}, rows.map((row) => h("tr", { dataset: { id: row.id ?? "" } },
          columns.map((c) => h("td", { "data-label": c.label }, c.cell(row))),
          acts.length ? h("td", { class: "row-actions" }, acts.map((a) => h("button", {
            class: `btn btn-small${a.tone ? ` btn-${a.tone}` : ""}`, "data-action": a.name,
            onclick: () => runRow(a, row) }, a.label))) : null)))));
    }
    replace(pagerSlot, pager({ offset: state.offset, limit: LIMIT, count: rows.length, total,
      onChange: (offset) => { state.offset = offset; load(); } }));
  }

  load();
  const offs = spec.liveEvents.map((name) => ctx.socket.on(name, refresh));
  return () => {
    offs.forEach((off) => off());
    offBanner();
  };
}

export const blacklist = {
  mount: (main, ctx) => listPage(main, ctx, {
    title: "Blacklist",
    subtitle: "Subtitles never downloaded again for their media file (blacklisted from History).",
    path: "/blacklist",
    keys: ["items"],
    search: false,
    columns: ["added", "title", "language", "provider", "subtitle"],
    filters: [],
    liveEvents: [],
    actions: [],
    rowActions: [{ label: "Remove", name: "remove", tone: "danger-ghost", run: async (row, api) => {
      const sure = await confirmDialog("Remove from the blacklist?",
        `${row.provider} ${row.subtitle_id} may be downloaded again for ${titleOf(row)}.`, "Remove");
      if (!sure) return null;
      await api.delete(`/blacklist/${row.id}`);
      return `Removed ${row.provider} ${row.subtitle_id} from the blacklist.`;
    } }],
  }),
};
