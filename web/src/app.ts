/// <reference lib="dom" />
// The join page's entry (bundled by scripts/setup into web/build/council.js): loads
// the mediasoup device while the person fills the form, renders the page (ui.ts)
// over its state (page.ts), and wires the keyboard shortcuts.

import { h, render } from "preact";
import { loadDevice } from "./client.ts";
import { JoinPage } from "./page.ts";
import { App } from "./ui.ts";

export { parseKey } from "./keystore.ts";

/** Whether a key press belongs to a field being typed in (no shortcut then). */
function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));
}

function init(): void {
  // Loaded when the page opens; a join without it loads one after `welcome`.
  const device = loadDevice(location.origin).catch(() => undefined);
  const page = new JoinPage(device);
  const root = document.getElementById("app")!;
  root.replaceChildren();
  render(h(App, { page }), root);
  page.startPreview();
  document.addEventListener("keydown", (e) => {
    if (page.state.phase !== "call" || e.repeat) return;
    const ctrlD = (e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "d";
    const m = !e.ctrlKey && !e.metaKey && !e.altKey && e.key.toLowerCase() === "m" &&
      !typing(e.target);
    if (!ctrlD && !m) return;
    e.preventDefault();
    page.toggleMute();
  });
}

if (typeof document !== "undefined") init();
