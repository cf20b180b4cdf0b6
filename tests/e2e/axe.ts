/**
 * axe-core in a real page, and a check axe does not make: that the focus ring of every control
 * stands out 3:1 from what is around it (WCAG 1.4.11). Used by accessibility.test.ts.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { AxeResults } from "axe-core";
import type { Page } from "playwright-core";

const AXE_SOURCE = readFileSync(join(dirname(require.resolve("axe-core")), "axe.min.js"), "utf8");

/** Impacts the issue rules out; "moderate" and "minor" are reported by axe but not failed here. */
const FAILING = new Set(["serious", "critical"]);

/**
 * axe's serious and critical violations on the page as it is now, one line each ("rule: help —
 * where"). The script goes in inline, so the test's browser context must bypass the CSP.
 */
export async function axeViolations(page: Page, label: string): Promise<string[]> {
  const loaded = await page.evaluate(() => "axe" in window);
  if (!loaded) await page.addScriptTag({ content: AXE_SOURCE });
  const results = await page.evaluate(() => (window as unknown as { axe: { run(): Promise<AxeResults> } }).axe.run());
  return results.violations
    .filter((violation) => FAILING.has(violation.impact ?? ""))
    .map((violation) => {
      const where = violation.nodes
        .slice(0, 4)
        .map((node) => `${node.target.join(" ")}${node.failureSummary ? ` (${node.failureSummary.split("\n").slice(1).join(" ").trim()})` : ""}`)
        .join("; ");
      return `${label}: ${violation.id} [${violation.impact}] ${violation.help} — ${where}`;
    });
}

/**
 * Focuses each visible control (fields, buttons, links) from the keyboard's point of view and measures
 * its focus indicator (outline, or a box-shadow ring with no offset or blur) against the nearest
 * opaque background behind the control. Colours are resolved by a canvas, so oklch and alpha
 * compose as the browser draws them. Returns "selector: ratio" for each ring under 3:1.
 */
export async function weakFocusRings(page: Page, label: string): Promise<string[]> {
  // A key press first: Chromium then treats programmatic focus as keyboard focus (:focus-visible).
  await page.keyboard.press("Shift");
  const weak = await page.evaluate(() => {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 1;
    const paint = canvas.getContext("2d", { willReadFrequently: true })!;
    const rgb = (layers: string[]): [number, number, number] => {
      paint.clearRect(0, 0, 1, 1);
      for (const colour of layers) {
        paint.fillStyle = colour;
        paint.fillRect(0, 0, 1, 1);
      }
      const [r, g, b] = paint.getImageData(0, 0, 1, 1).data;
      return [r!, g!, b!];
    };
    const luminance = ([r, g, b]: [number, number, number]) => {
      const channel = (c: number) => {
        const s = c / 255;
        return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    };
    const contrast = (a: [number, number, number], b: [number, number, number]) => {
      const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
      return (hi! + 0.05) / (lo! + 0.05);
    };
    /** Background layers from the page down to the element's parent, top layer last. */
    const behind = (element: Element): string[] => {
      const layers: string[] = [];
      for (let node: Element | null = element.parentElement; node; node = node.parentElement) {
        const colour = getComputedStyle(node).backgroundColor;
        if (colour !== "rgba(0, 0, 0, 0)" && colour !== "transparent") layers.unshift(colour);
        if (colour.startsWith("rgb(") || (colour.startsWith("oklch(") && !colour.includes("/"))) break;
      }
      return ["#fff", ...layers];
    };
    /** Shadows that draw a ring: no offset, no blur, a spread. "color 0px 0px 0px 2px" in computed style. */
    const rings = (shadow: string): string[] =>
      shadow === "none"
        ? []
        : shadow
            .split(/,(?![^(]*\))/)
            .map((part) => part.trim())
            .filter((part) => / 0px 0px 0px [1-9][\d.]*px$/.test(part) && !part.startsWith("rgba(0, 0, 0, 0)"))
            .map((part) => part.replace(/ 0px 0px 0px [\d.]+px$/, ""));
    const found: string[] = [];
    const controls = Array.from(document.querySelectorAll<HTMLElement>("input:not([type=hidden]), select, textarea, button, a[href], summary"));
    for (const control of controls) {
      if (control.offsetParent === null || control.closest("[hidden]")) continue;
      control.focus();
      const style = getComputedStyle(control);
      const indicators = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0 ? [style.outlineColor] : [];
      indicators.push(...rings(style.boxShadow));
      const ground = behind(control);
      const best = Math.max(0, ...indicators.map((colour) => contrast(rgb([...ground, colour]), rgb(ground))));
      const name = control.id ? `#${control.id}` : `${control.tagName.toLowerCase()} "${(control.getAttribute("name") ?? control.textContent ?? "").trim().slice(0, 40)}"`;
      if (best < 3) found.push(`${name} ${best.toFixed(2)}:1`);
      control.blur();
    }
    return found;
  });
  return weak.map((entry) => `${label}: focus ring under 3:1 — ${entry}`);
}
