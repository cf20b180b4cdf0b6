/** The embedded database: PGlite in DATA_DIR/pglite, behind the same Database interface. */
import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { type Database, migrationsFolderPath, withTimeout } from "./database";
import * as schema from "./schema";

/** PGlite's engine files as the single-file build carries them (src/binary.ts). */
interface EmbeddedEngine {
  pgliteWasm: string;
  initdbWasm: string;
  fsBundle: string;
  pgTrgm: string;
}
let embeddedEngine: EmbeddedEngine | undefined;
export function useEmbeddedEngine(files: EmbeddedEngine): void {
  embeddedEngine = files;
}

export function pgliteExtensions() {
  if (!embeddedEngine) return { pg_trgm };
  // The package finds its extension bundle next to its own file; embedded, it is elsewhere.
  const bundlePath = new URL(`file://${embeddedEngine.pgTrgm}`);
  return { pg_trgm: { name: "pg_trgm", setup: async () => ({ bundlePath }) } };
}

async function engineOptions() {
  if (!embeddedEngine) return {};
  return {
    pgliteWasmModule: await WebAssembly.compile(await Bun.file(embeddedEngine.pgliteWasm).arrayBuffer()),
    initdbWasmModule: await WebAssembly.compile(await Bun.file(embeddedEngine.initdbWasm).arrayBuffer()),
    fsBundle: Bun.file(embeddedEngine.fsBundle),
  };
}

export function wrapPglite(pglite: PGlite): Database {
  const db = drizzlePglite(pglite, { schema });
  return {
    kind: "pglite",
    db,
    reader: db,
    pglite,
    async ping(timeoutMs = 2000) {
      await withTimeout(pglite.query("select 1"), timeoutMs, "database ping");
    },
    async migrate() {
      await migratePglite(db, { migrationsFolder: migrationsFolderPath() });
    },
    async close() {
      if (!pglite.closed) await pglite.close();
    },
  };
}

export async function openPglite(dataDir: string): Promise<Database> {
  mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir, { extensions: pgliteExtensions(), ...(await engineOptions()) });
  return wrapPglite(pglite);
}

