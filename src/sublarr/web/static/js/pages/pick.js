// Manual search and pick: a dialog listing every provider's candidates for one media file ×
// language with score and breakdown; "Pick" downloads exactly that one.

import { badge, h, replace } from "../dom.js";

function breakdownText(candidate) {
  const parts = (candidate.breakdown?.weights || []).map((w) => `${w.key.replace(/_/g, " ")} +${w.points}`);
  const modifier = candidate.breakdown?.provider_modifier || 0;
  if (modifier) parts.push(`provider ${modifier > 0 ? "+" : ""}${modifier}`);
  return parts.join(" · ") || "no match";
}

function candidateRow(candidate, onPick) {
  const flags = [
    candidate.blacklisted ? badge("blacklisted", "bad") : null,
    candidate.below_min_score ? badge("below minimum", "neutral") : null,
    candidate.hearing_impaired ? badge("HI", "neutral") : null,
  ];
  return h("tr", { dataset: { provider: candidate.provider, subtitleId: candidate.subtitle_id } },
    h("td", { "data-label": "Provider" }, candidate.provider),
    h("td", { "data-label": "Release" },
      h("div", { class: "cell-title" }, candidate.release_name || candidate.title || candidate.subtitle_id),
      h("div", { class: "cell-sub", "data-role": "breakdown" }, breakdownText(candidate)), flags),
    h("td", { "data-label": "Score", class: "mono", "data-role": "score" }, String(candidate.score)),
    h("td", { class: "row-actions" }, h("button", { class: "btn btn-small btn-primary",
      "data-action": "pick", disabled: candidate.blacklisted,
      title: candidate.blacklisted ? "Blacklisted for this file" : "Download this subtitle",
      onclick: () => onPick(candidate) }, "Pick")));
}

// ``source``: { candidates: API path listing candidates, pick: API path to POST the choice,
// title: what the dialog is about }.  Resolves with the pick's answer, or null when closed.
export function openPickDialog(api, source) {
  return new Promise((resolve) => {
    let picked = null;
    const status = h("p", { role: "status", class: "cell-sub" }, "Searching every provider…");
    const body = h("div", { class: "pick-body" });
    const dialog = h("dialog", { class: "dialog dialog-wide", "data-role": "pick-dialog" },
      h("h3", {}, `Pick a subtitle: ${source.title}`), status, body,
      h("div", { class: "actions" },
        h("button", { class: "btn", "data-action": "close", onclick: () => dialog.close() }, "Close")));
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(picked);
    });
    document.body.append(dialog);
    dialog.showModal();

    const pick = async (candidate) => {
      dialog.querySelectorAll("[data-action=pick]").forEach((b) => { b.disabled = true; });
      status.className = "cell-sub";
      status.textContent = `Downloading ${candidate.provider} ${candidate.subtitle_id}…`;
      try {
        picked = await api.post(source.pick, { provider: candidate.provider,
          subtitle_id: candidate.subtitle_id });
        dialog.close();
      } catch (err) {
        status.className = "form-error";
        status.textContent = err.message;
        dialog.querySelectorAll("[data-action=pick]").forEach((b) => {
          b.disabled = b.closest("tr")?.querySelector(".badge-bad") !== null;
        });
      }
    };

    api.get(source.candidates).then((data) => {
      const failures = Object.entries(data.failures || {}).map(([p, msg]) => `${p}: ${msg}`);
      status.textContent = `${data.candidates.length} candidate(s) from ${data.providers.join(", ") || "no provider"}`
        + (failures.length ? ` — failed: ${failures.join("; ")}` : "");
      if (!data.candidates.length) {
        replace(body, h("p", { class: "empty" }, "No provider offers a subtitle for this file."));
        return;
      }
      replace(body, h("table", { class: "table list-table pick-table" },
        h("thead", {}, h("tr", {}, h("th", {}, "Provider"), h("th", {}, "Release"),
          h("th", {}, "Score"), h("th", {}))),
        h("tbody", {}, data.candidates.map((c) => candidateRow(c, pick)))));
    }).catch((err) => {
      status.className = "form-error";
      status.textContent = err.message;
    });
  });
}
