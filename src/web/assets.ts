/**
 * Static files: the vendored htmx and @simplewebauthn/browser, our small app.js and passkeys.js,
 * the icon and the Tailwind build.
 * Each is served under a URL carrying a hash of its content, so browsers may keep it for a
 * year (`immutable`) and a new build is a new URL.
 *
 * Nothing here builds anything (docs/security.md, "Operations"): the stylesheet is built before
 * the server starts, by the Dockerfile's assets stage, `bun start` / `bun run dev`
 * (`bun run build:css` first), the single-file build and the test preload. A missing stylesheet
 * is logged as an error and pages get a plain fallback; a stale one outside production is a
 * warning. Either way the server starts.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, extname, join, resolve } from "node:path";
import type { Logger } from "../logger";

const ROOT = resolve(import.meta.dir, "../..");
export const PUBLIC_DIR = join(ROOT, "public");
export const CSS_OUTPUT = join(PUBLIC_DIR, "build", "app.css");
/** What the CSS is generated from: the input file and every template under src/web. */
const CSS_SOURCES = import.meta.dir;

/** Logical name → file on disk. */
const FILES = {
  "app.css": CSS_OUTPUT,
  "htmx.js": join(PUBLIC_DIR, "vendor", "htmx.min.js"),
  "app.js": join(PUBLIC_DIR, "app.js"),
  "webauthn.js": join(PUBLIC_DIR, "vendor", "simplewebauthn-browser.umd.min.js"),
  "passkeys.js": join(PUBLIC_DIR, "passkeys.js"),
  "favicon.svg": join(PUBLIC_DIR, "favicon.svg"),
} as const;
export type AssetName = keyof typeof FILES;

/** Files carried inside the single-file build (src/binary.ts): used instead of public/ when set. */
const embeddedFiles: Partial<Record<AssetName, string>> = {};
export function useEmbeddedAssets(files: Record<AssetName, string>): void {
  Object.assign(embeddedFiles, files);
}

const TYPES: Record<string, string> = {
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".svg": "image/svg+xml",
};

export interface Asset {
  url: string;
  body: Uint8Array<ArrayBuffer>;
  contentType: string;
}

export interface AssetManifest {
  url(name: AssetName): string;
  byUrl(url: string): Asset | undefined;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (/\.(tsx?|css)$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** True when the stylesheet is missing or older than a template or the input CSS. */
export function cssIsStale(path: string = CSS_OUTPUT): boolean {
  if (!existsSync(path)) return true;
  return statSync(path).mtimeMs < newestMtime(CSS_SOURCES);
}

/** A plain, readable stylesheet for a server started without its built one. */
const FALLBACK_CSS = "body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;line-height:1.5}input,select,button{font:inherit;padding:.4rem}.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0,0,0,0)}";

function readAsset(name: AssetName, files: Record<AssetName, string>): Uint8Array<ArrayBuffer> | undefined {
  const path = embeddedFiles[name] ?? files[name];
  if (existsSync(path)) return new Uint8Array(readFileSync(path));
  if (name === "app.css") return undefined;
  throw new Error(`missing static file ${path}: run bun run vendor:htmx and vendor:webauthn`);
}

function hashedUrl(name: AssetName, body: Uint8Array<ArrayBuffer>): string {
  const hash = createHash("sha256").update(body).digest("base64url").slice(0, 12);
  const ext = extname(name);
  return `/static/${basename(name, ext)}.${hash}${ext}`;
}

export interface AssetOptions {
  /** Where the built stylesheet is (tests point it elsewhere). */
  cssPath?: string;
  /** Warn when the stylesheet is older than its sources (outside production: a developer forgot to rebuild). */
  warnIfStale?: boolean;
}

/** Reads every asset once. Never builds: see the file's header. */
export function loadAssets(logger?: Logger, options: AssetOptions = {}): AssetManifest {
  const files = { ...FILES, ...(options.cssPath ? { "app.css": options.cssPath } : {}) };
  const report = (level: "error" | "warn", message: string) => (logger ? logger[level](message, { path: files["app.css"] }) : console.error(`cobalt: ${message}`));
  const byName = new Map<AssetName, Asset>();
  const byUrl = new Map<string, Asset>();
  for (const name of Object.keys(FILES) as AssetName[]) {
    let body = readAsset(name, files);
    if (!body) {
      report("error", "the stylesheet is missing; pages use a plain fallback until it is built with `bun run build:css`");
      body = new TextEncoder().encode(FALLBACK_CSS);
    } else if (name === "app.css" && options.warnIfStale && !embeddedFiles["app.css"] && cssIsStale(files["app.css"])) {
      report("warn", "the stylesheet is older than src/web; run `bun run build:css` (bun start does) to see style changes");
    }
    const asset = { url: hashedUrl(name, body), body, contentType: TYPES[extname(name)] ?? "application/octet-stream" };
    byName.set(name, asset);
    byUrl.set(asset.url, asset);
  }
  return {
    url: (name) => byName.get(name)!.url,
    byUrl: (url) => byUrl.get(url),
  };
}
