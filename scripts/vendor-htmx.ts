/**
 * Copies htmx from the pinned htmx.org package into public/vendor, so the app serves its own
 * copy (CSP 'self', no CDN). Run after changing the htmx.org version: bun run vendor:htmx
 */
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const root = resolve(import.meta.dir, "..");
const pkgDir = dirname(Bun.resolveSync("htmx.org/package.json", root));
const { version } = (await Bun.file(join(pkgDir, "package.json")).json()) as { version: string };
const target = join(root, "public", "vendor", "htmx.min.js");
mkdirSync(dirname(target), { recursive: true });
copyFileSync(join(pkgDir, "dist", "htmx.min.js"), target);
console.log(`htmx ${version} → ${target}`);
