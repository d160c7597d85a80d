/// <reference lib="dom" />
// Small DOM helpers for the operators' dashboard: elements, a sparkline, and the
// filter every list has (a search box naming its list by data-filter).

export const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text?: string,
  className?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

/** An element with children: strings become text. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string | undefined,
  ...children: (Node | string | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const e = el(tag, undefined, className);
  for (const c of children) if (c !== undefined && c !== false) e.append(c);
  return e;
}

/** A status pill: text with a class for its colour. */
export function pill(text: string, kind: string): HTMLSpanElement {
  return el("span", text, `pill ${kind}`);
}

export const shortId = (guardianId: string) => guardianId.replace("if://guardian/", "");

/** "12:03:04" for today, the date too otherwise. */
export function when(at: string | number): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return String(at);
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString() : d.toLocaleString();
}

export const HISTORY = 60;

/** A small line chart of the last HISTORY values, with its meaning as a label. */
export function spark(values: number[], max: number, label: string): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("class", "spark");
  svg.setAttribute("viewBox", `0 0 ${HISTORY} 20`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  const line = document.createElementNS(ns, "polyline");
  const top = Math.max(max, ...values) || 1;
  line.setAttribute(
    "points",
    values.map((v, i) => `${HISTORY - values.length + i},${(20 - (v / top) * 18).toFixed(1)}`)
      .join(" "),
  );
  svg.append(line);
  return svg;
}

function terms(list: string): string[] {
  const input = document.querySelector<HTMLInputElement>(`input[data-filter="${list}"]`);
  return (input?.value ?? "").toLowerCase().split(/\s+/).filter(Boolean);
}

const matches = (e: Element, t: string[]) => {
  const text = (e.textContent ?? "").toLowerCase();
  return t.every((w) => text.includes(w));
};

/**
 * Shows the items of list `id` that contain every word of its filter box. An item
 * with [data-rows] children (a room's member rows) stays when its heading matches,
 * or shows only its matching rows.
 */
export function applyFilter(id: string): void {
  const t = terms(id);
  const box = $(id);
  let shown = 0;
  for (const item of Array.from(box.children) as HTMLElement[]) {
    if (item.classList.contains("empty")) continue;
    const rows = Array.from(item.querySelectorAll<HTMLElement>("[data-row]"));
    const head = item.querySelector("[data-head]");
    let show: boolean;
    if (rows.length && head && !matches(head, t)) {
      let any = false;
      for (const r of rows) {
        r.hidden = !matches(r, t);
        any ||= !r.hidden;
      }
      show = any;
    } else {
      for (const r of rows) r.hidden = false;
      show = matches(item, t);
    }
    item.hidden = !show;
    if (show) shown++;
  }
  const none = box.querySelector(":scope > .empty.filtered");
  if (t.length && shown === 0 && box.children.length) {
    if (!none) {
      box.append(
        el(
          box.tagName === "OL" || box.tagName === "UL" ? "li" : "p",
          "nothing matches the filter",
          "empty filtered",
        ),
      );
    }
  } else none?.remove();
}

/** Replaces a list's items, keeping its filter applied; `empty` when there are none. */
export function render(id: string, items: HTMLElement[], empty: string): void {
  const box = $(id);
  const tag = box.tagName === "OL" || box.tagName === "UL" ? "li" : "p";
  box.replaceChildren(...(items.length ? items : [el(tag, empty, "empty")]));
  applyFilter(id);
}

export function wireFilters(): void {
  // Lists scroll inside their panels: focusable, so a keyboard can scroll them too.
  for (const list of document.querySelectorAll<HTMLElement>(".list")) {
    list.tabIndex = 0;
    const title = list.closest("section")?.querySelector("h2");
    if (title?.id && !list.hasAttribute("aria-label")) {
      list.setAttribute("aria-labelledby", title.id);
    }
  }
  for (const input of document.querySelectorAll<HTMLInputElement>("input[data-filter]")) {
    input.addEventListener("input", () => applyFilter(input.dataset.filter!));
  }
}
