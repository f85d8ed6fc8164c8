// The Wanted page's scan line: progress of a running scan (wanted_scan_progress) and the
// library warnings of the last one (files Sonarr/Radarr list that are not on this machine,
// files whose probe timed out).

import { h, replace } from "../dom.js";

function progressText(p) {
  const eta = Number.isFinite(p.eta_seconds) ? ` · about ${Math.ceil(p.eta_seconds)} s left` : "";
  const probed = p.files_probed ? `, ${p.files_probed} probed` : "";
  return `Scanning: ${p.series_done} / ${p.series_total} series, ${p.files_checked} files checked`
    + `${probed}, ${p.rows_added} rows added${eta}`;
}

const WARNING_TEXT = {
  files_not_found: (n) => `${n} file(s) listed by Sonarr/Radarr were not found here. `,
  files_not_answering: (n) => `${n} file(s) gave no answer when probed for subtitle tracks. `,
};

function warningNode(w) {
  const text = WARNING_TEXT[w.kind] || ((n) => `${n} file(s): `);
  const dataset = { role: "scan-warning", kind: w.kind };
  return h("div", { class: "form-error", role: "alert", dataset },
    h("strong", {}, text(w.count)), w.hint,
    h("ul", {}, (w.examples || []).map((p) => h("li", { class: "mono" }, p))));
}

// Returns [node, dispose]; onRows is called (debounced by the caller) as rows appear.
export function scanBanner(ctx, onRows) {
  const line = h("p", { class: "note-info", role: "status", dataset: { role: "scan-progress" } });
  const warnings = h("div");
  const node = h("div", {}, line, warnings);
  const show = (status) => {
    line.textContent = status.running && status.progress ? progressText(status.progress) : "";
    replace(warnings, (status.warnings || []).map(warningNode));
  };
  const load = () => ctx.api.get("/wanted/scan").then(show).catch(() => {});
  load();
  const off = ctx.socket.on("wanted_scan_progress", (data) => {
    if (data.status === "running") line.textContent = progressText(data);
    else load();
    onRows();
  });
  return [node, off];
}
