/**
 * Entry point of the single-file build (`bun run build:binary`, scripts/build-binary.ts): the
 * generated entry imports every file Cobalt reads at run time (pages' static files and the built
 * stylesheet, the migrations, PGlite's engine, the API docs' UI, the common-password list) with
 * `with { type: "file" }`, so `bun build --compile` carries them, and hands their embedded paths
 * here. Then the ordinary entry point runs. No node_modules, no public/, no drizzle/ needed.
 */
// @simplewebauthn/server's certificate code (tsyringe) needs the Reflect metadata polyfill
// loaded before it; in the single-file bundle its own import of it can run too late.
import "reflect-metadata";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { useMigrationsFolder } from "./db/database";
import { useEmbeddedEngine } from "./db/pglite";
import { type AssetName, useEmbeddedAssets } from "./web/assets";

export interface EmbeddedFiles {
  assets: Record<AssetName, string>;
  /** Path inside drizzle/ (e.g. "meta/_journal.json") → embedded file. */
  migrations: Record<string, string>;
  engine: { pgliteWasm: string; initdbWasm: string; fsBundle: string; pgTrgm: string };
  /** Read by their modules from beside the code; listed so the build keeps them. */
  besideCode: string[];
}

/**
 * Copies embedded files to a real folder, once per content hash in the temp directory (several
 * starts may race: each writes then renames). Drizzle's migrator reads a folder, and PGlite
 * streams its extension bundle with fs.createReadStream, which cannot open embedded files.
 */
function extract(prefix: string, files: Record<string, string>): string {
  const contents = Object.entries(files)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, path]) => [name, readFileSync(path)] as const);
  const hash = createHash("sha256");
  for (const [name, body] of contents) hash.update(name).update(body);
  const folder = join(tmpdir(), `${prefix}-${hash.digest("hex").slice(0, 16)}`);
  for (const [name, body] of contents) {
    const target = join(folder, name);
    mkdirSync(dirname(target), { recursive: true });
    const temporary = `${target}.${process.pid}.tmp`;
    writeFileSync(temporary, body);
    renameSync(temporary, target);
  }
  return folder;
}

export async function startEmbedded(files: EmbeddedFiles): Promise<void> {
  for (const path of files.besideCode) readFileSync(path);
  useEmbeddedAssets(files.assets);
  const extensions = extract("cobalt-pglite-extensions", { "pg_trgm.tar.gz": files.engine.pgTrgm });
  useEmbeddedEngine({ ...files.engine, pgTrgm: join(extensions, "pg_trgm.tar.gz") });
  useMigrationsFolder(extract("cobalt-migrations", files.migrations));
  await import("./index");
}
