/**
 * Static files: the vendored htmx, our small app.js, the icon and the Tailwind build.
 * Each is served under a URL carrying a hash of its content, so browsers may keep it for a
 * year (`immutable`) and a new build is a new URL. The CSS is built from src/web by the
 * Tailwind CLI when it is missing or older than its sources (`bun start` and the tests both
 * get a current stylesheet without any network).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import type { Logger } from "../logger";

const ROOT = resolve(import.meta.dir, "../..");
export const PUBLIC_DIR = join(ROOT, "public");
const CSS_INPUT = join(import.meta.dir, "styles.css");
export const CSS_OUTPUT = join(PUBLIC_DIR, "build", "app.css");
/** What the CSS is generated from: the input file and every template under src/web. */
const CSS_SOURCES = import.meta.dir;

/** Logical name → file on disk. */
const FILES = {
  "app.css": CSS_OUTPUT,
  "htmx.js": join(PUBLIC_DIR, "vendor", "htmx.min.js"),
  "app.js": join(PUBLIC_DIR, "app.js"),
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
export function cssIsStale(): boolean {
  if (!existsSync(CSS_OUTPUT)) return true;
  return statSync(CSS_OUTPUT).mtimeMs < newestMtime(CSS_SOURCES);
}

function tailwindCommand(output: string): string[] {
  const cli = join(dirname(Bun.resolveSync("@tailwindcss/cli/package.json", ROOT)), "dist", "index.mjs");
  return [process.execPath, cli, "--input", CSS_INPUT, "--output", output, "--minify", "--cwd", ROOT];
}

/** Several processes may start at once: each writes its own file and renames it into place. */
function temporaryOutput(): string {
  mkdirSync(dirname(CSS_OUTPUT), { recursive: true });
  return `${CSS_OUTPUT}.${process.pid}.${Date.now()}.tmp`;
}

function reportFailure(logger: Logger | undefined, stderr: string): void {
  const message = "tailwind build failed; pages will use the fallback stylesheet";
  if (logger) logger.error(message, { stderr: stderr.slice(-500) });
  else console.error(`cobalt: ${message}\n${stderr.slice(-500)}`);
}

/** Builds public/build/app.css when missing or stale. Blocks; used where a sync answer is needed. */
function ensureCssSync(logger?: Logger): void {
  if (!cssIsStale()) return;
  const output = temporaryOutput();
  const result = Bun.spawnSync(tailwindCommand(output), { cwd: ROOT, stdout: "ignore", stderr: "pipe" });
  if (result.exitCode === 0 && existsSync(output)) renameSync(output, CSS_OUTPUT);
  else reportFailure(logger, result.stderr.toString());
}

/** A plain, readable stylesheet for the rare case the Tailwind build could not run. */
const FALLBACK_CSS = "body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;line-height:1.5}input,select,button{font:inherit;padding:.4rem}.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0,0,0,0)}";

function readAsset(name: AssetName): Uint8Array<ArrayBuffer> {
  const path = embeddedFiles[name] ?? FILES[name];
  if (existsSync(path)) return new Uint8Array(readFileSync(path));
  if (name === "app.css") return new TextEncoder().encode(FALLBACK_CSS);
  throw new Error(`missing static file ${path}: run bun run vendor:htmx`);
}

function hashedUrl(name: AssetName, body: Uint8Array<ArrayBuffer>): string {
  const hash = createHash("sha256").update(body).digest("base64url").slice(0, 12);
  const ext = extname(name);
  return `/static/${basename(name, ext)}.${hash}${ext}`;
}

/** Reads every asset once; the CSS is built first when needed. */
export function loadAssets(logger?: Logger): AssetManifest {
  // The single-file build carries a stylesheet built before it was compiled.
  if (!embeddedFiles["app.css"]) ensureCssSync(logger);
  const byName = new Map<AssetName, Asset>();
  const byUrl = new Map<string, Asset>();
  for (const name of Object.keys(FILES) as AssetName[]) {
    const body = readAsset(name);
    const asset = { url: hashedUrl(name, body), body, contentType: TYPES[extname(name)] ?? "application/octet-stream" };
    byName.set(name, asset);
    byUrl.set(asset.url, asset);
  }
  return {
    url: (name) => byName.get(name)!.url,
    byUrl: (url) => byUrl.get(url),
  };
}
