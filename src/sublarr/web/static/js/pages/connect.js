// Settings → Connect: notification channels (apprise) with presets, Test, Replay and insight.

import { debounce, h, replace } from "../dom.js";
import { pageHeader } from "./page.js";
import { Section } from "./connection_section.js";
import { NOTIFICATION } from "./notification_kind.js";
import { replayPanel, replayTargets } from "./replay_panel.js";

export function mount(main, ctx) {
  const replaySlot = h("div", { class: "replay-slot" });
  let section = null;
  const openReplay = (item) => {
    const key = `/notifications/${item.id}`;
    if (replaySlot.dataset.target === key) {
      delete replaySlot.dataset.target;
      replace(replaySlot);
      return;
    }
    replaySlot.dataset.target = key;
    replace(replaySlot, replayPanel(ctx.api, replayTargets([], section.items), key,
      () => section.load()));
    replaySlot.scrollIntoView({ block: "nearest" });
  };
  section = new Section(NOTIFICATION, ctx, {}, {
    actions: (item) => h("button", { class: "btn btn-small", dataset: { action: "replay" },
      onclick: () => openReplay(item) }, "Replay…"),
  });
  replace(main, pageHeader("Connect",
    "Send Sublarr's events to your phone, chat or mailbox: pick a service, tick the events."),
  replaySlot, section.root);
  section.load();
  const refresh = debounce(() => section.load(), 300);
  const offs = [ctx.socket.on("hook_executed", refresh), ctx.socket.on("notification_disabled", refresh)];
  return () => offs.forEach((off) => off());
}
