// Accessibility check of a page with axe-core (Deque's engine, from npm): injects it
// and runs the WCAG 2 A/AA rules; returns the violations of serious or critical
// impact, each as "rule: help (N nodes: first selector)" for an assertion message.

import axe from "axe-core";
import type { Page } from "playwright-core";

export async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axe.source });
  // A string: this file is type-checked without the DOM library.
  const found = await page.evaluate(`(async () => {
    const r = await globalThis.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => n.target.join(" ")),
    }));
  })()`) as { id: string; impact: string | null; help: string; nodes: string[] }[];
  return found.filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.length} nodes: ${v.nodes[0]})`);
}
