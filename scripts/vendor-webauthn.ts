/**
 * Copies @simplewebauthn/browser's UMD bundle from the pinned package into public/vendor, so
 * the passkey pages load it from this app (CSP 'self', no CDN). Run after changing the
 * package's version: bun run vendor:webauthn (tests/passkeys-pages.test.ts checks the copy is current).
 */
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const root = resolve(import.meta.dir, "..");
const pkgDir = dirname(Bun.resolveSync("@simplewebauthn/browser/package.json", root));
const { version } = (await Bun.file(join(pkgDir, "package.json")).json()) as { version: string };
const target = join(root, "public", "vendor", "simplewebauthn-browser.umd.min.js");
mkdirSync(dirname(target), { recursive: true });
copyFileSync(join(pkgDir, "dist", "bundle", "index.umd.min.js"), target);
console.log(`@simplewebauthn/browser ${version} → ${target}`);
