/**
 * The database handle: Drizzle over Bun.SQL when DATABASE_URL is set, over PGlite in
 * DATA_DIR/pglite when not. Everything above this file sees the same `Db` type and only the
 * query builder, so both drivers behave alike.
 */
import { sql } from "drizzle-orm";
import { withReplicas } from "drizzle-orm/pg-core";
import { drizzle as drizzleBunSql } from "drizzle-orm/bun-sql";
import { migrate as migrateBunSql } from "drizzle-orm/bun-sql/migrator";
import type { Config } from "../config";
import { type Database, type Db, migrationsFolderPath, withTimeout } from "./database";
import * as schema from "./schema";

export type { Database, Db } from "./database";

/** Any fixed number: instances starting together take turns applying migrations. */
const MIGRATION_LOCK_KEY = 4_201_337;

/**
 * Bun's built-in Postgres client. postgres.js 3.4.9 was dropped: with its default pipelining it
 * slows down steadily under sustained load, and with max_pipeline: 1 a transaction's BEGIN that
 * lands on a busy connection fails with UNSAFE_TRANSACTION and leaves that pooled connection
 * idle inside an open transaction. Bun.SQL prepares and caches every statement.
 */
function postgresClient(url: string, poolSize: number) {
  return new Bun.SQL(url, { max: poolSize, connectionTimeout: 5, idleTimeout: 60 });
}

export function openPostgres(url: string, poolSize: number, readUrl?: string): Database {
  const client = postgresClient(url, poolSize);
  const primary = drizzleBunSql({ client, schema });
  const readClient = readUrl ? postgresClient(readUrl, poolSize) : undefined;
  // withReplicas sends select() to the replica and everything else to the primary.
  const reader: Db = readClient ? withReplicas(primary as Db, [drizzleBunSql({ client: readClient, schema }) as Db]) : (primary as Db);
  return {
    kind: "postgres",
    db: primary as Db,
    reader,
    async ping(timeoutMs = 2000) {
      await withTimeout(primary.execute(sql`select 1`), timeoutMs, "database ping");
    },
    async migrate() {
      // The advisory lock belongs to a session: hold one reserved connection throughout.
      const lock = await client.reserve();
      try {
        await lock`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
        await migrateBunSql(primary, { migrationsFolder: migrationsFolderPath() });
      } finally {
        await lock`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.catch(() => {});
        lock.release();
      }
    },
    async close() {
      await client.close({ timeout: 5 });
      await readClient?.close({ timeout: 5 });
    },
  };
}

export async function openDatabase(config: Config): Promise<Database> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl, config.databasePoolSize, config.databaseReadUrl);
  // Loaded only when used: the embedded engine costs memory a Postgres deployment never needs.
  const { openPglite } = await import("./pglite");
  return openPglite(config.pgliteDir);
}
