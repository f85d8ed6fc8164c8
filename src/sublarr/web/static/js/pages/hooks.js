// Settings → Events & Hooks: webhooks and hook scripts, Sonarr "Connect" style.

import { debounce, replace } from "../dom.js";
import { pageHeader } from "./page.js";
import { HOOK, WEBHOOK } from "./connection_kinds.js";
import { Section } from "./connection_section.js";

export function mount(main, ctx) {
  const context = { hooksDir: null };
  const sections = [new Section(WEBHOOK, ctx, context), new Section(HOOK, ctx, context)];
  replace(main, pageHeader("Events & Hooks",
    "Tell the rest of your stack what Sublarr does: outgoing webhooks and local scripts."),
  sections.map((s) => s.root));
  ctx.api.get("/config").then((data) => {
    const dir = data && data.settings && data.settings.data_dir;
    if (dir) context.hooksDir = `${String(dir).replace(/\/$/, "")}/hooks`;
  }).catch(() => {});
  for (const section of sections) section.load();
  const refresh = debounce(() => sections.forEach((s) => s.load()), 300);
  const offs = [ctx.socket.on("hook_executed", refresh), ctx.socket.on("webhook_disabled", refresh)];
  return () => offs.forEach((off) => off());
}
