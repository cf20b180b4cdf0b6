/**
 * Browser tests drive Debian's Chromium through playwright-core. Every e2e file starts one
 * browser and one app; without /usr/bin/chromium the files skip, so `bun test` passes anywhere.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);
const SCREENSHOTS = join(import.meta.dir, "screenshots");

export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", ...extraArgs],
  });
}

/** Collects everything a page reports as broken: console errors (CSP violations included) and uncaught exceptions. */
export class ProblemLog {
  readonly problems: string[] = [];

  watch(page: Page): Page {
    page.on("console", (message) => {
      if (message.type() === "error") this.problems.push(`console: ${message.text()} @ ${page.url()}`);
    });
    page.on("pageerror", (error) => this.problems.push(`pageerror: ${error.message} @ ${page.url()}`));
    return page;
  }
}

export async function newPage(browser: Browser, log: ProblemLog, options: BrowserContextOptions = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, ...options });
  context.setDefaultTimeout(5000);
  const page = log.watch(await context.newPage());
  return { context, page };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // caret "initial": hiding the caret would inject a <style>, which our CSP (rightly) refuses.
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true, caret: "initial" });
}

/** Marks the current document; the mark survives htmx swaps and disappears on a full reload. */
export async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => document.documentElement.setAttribute("data-e2e-mark", "1"));
}

export async function documentMarked(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.getAttribute("data-e2e-mark") === "1");
}

/** Waits until htmx has no request in flight and nothing swapping or settling. */
export async function htmxIdle(page: Page): Promise<void> {
  await page.waitForFunction(() => !document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"));
}

/** Signs in through the sign-in form and waits until the browser is where `next` leads. */
export async function signInThroughForm(page: Page, appUrl: string, user: { username: string; password: string }, next = "/dashboard"): Promise<void> {
  await page.goto(`${appUrl}/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Username or email").fill(user.username);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL((url) => url.pathname === next.split("?")[0]);
}

/** Saves what a click downloads and returns its name and text. */
export async function download(page: Page, click: () => Promise<void>): Promise<{ name: string; text: string }> {
  const [file] = await Promise.all([page.waitForEvent("download"), click()]);
  const path = await file.path();
  return { name: file.suggestedFilename(), text: await Bun.file(path).text() };
}
