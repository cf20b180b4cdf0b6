/** The embedded database: PGlite in DATA_DIR/pglite, behind the same Database interface. */
import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { type Database, MIGRATIONS_FOLDER, withTimeout } from "./database";
import * as schema from "./schema";

export function pgliteExtensions() {
  return { pg_trgm };
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
      await migratePglite(db, { migrationsFolder: MIGRATIONS_FOLDER });
    },
    async close() {
      if (!pglite.closed) await pglite.close();
    },
  };
}

export async function openPglite(dataDir: string): Promise<Database> {
  mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir, { extensions: pgliteExtensions() });
  return wrapPglite(pglite);
}

