/**
 * Fresh, isolated backends for one test app: a new Postgres database (when DATABASE_URL is set)
 * or a clone of a migrated PGlite; a Redis key prefix (when REDIS_URL is set) or a new
 * in-process store.
 */
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import type { Clock } from "../../src/clock";
import { type Database, openPostgres } from "../../src/db/client";
import { pgliteExtensions, wrapPglite } from "../../src/db/pglite";
import { MemoryStore } from "../../src/store/memory";
import { RedisStore } from "../../src/store/redis";
import type { Store } from "../../src/store";

export const backend = {
  databaseUrl: process.env.DATABASE_URL || undefined,
  redisUrl: process.env.REDIS_URL || undefined,
};

export function backendName(): string {
  return `${backend.databaseUrl ? "postgres" : "pglite"} + ${backend.redisUrl ? "redis" : "memory"}`;
}

function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${crypto.randomUUID().slice(0, 8)}`;
}

let pgliteTemplate: Promise<File | Blob> | undefined;

/** Migrating PGlite takes a while; migrate once per process and clone the data directory. */
function migratedPgliteTemplate(): Promise<File | Blob> {
  pgliteTemplate ??= (async () => {
    const database = wrapPglite(await PGlite.create({ extensions: pgliteExtensions() }));
    await database.migrate();
    const dump = await database.pglite!.dumpDataDir("none");
    await database.close();
    return dump;
  })();
  return pgliteTemplate;
}

export async function warmUpTestDatabases(): Promise<void> {
  await migratedPgliteTemplate();
}

export interface TestDatabase {
  database: Database;
  /** A connection string for another instance to open the same database (Postgres only). */
  url?: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (!backend.databaseUrl) {
    const pglite = await PGlite.create({ loadDataDir: await migratedPgliteTemplate(), extensions: pgliteExtensions() });
    const database = wrapPglite(pglite);
    return { database, drop: () => database.close() };
  }
  const name = uniqueName("cobalt_test");
  const admin = postgres(backend.databaseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  await admin.end();
  const url = new URL(backend.databaseUrl);
  url.pathname = `/${name}`;
  const database = openPostgres(url.toString(), 10);
  await database.migrate();
  return {
    database,
    url: url.toString(),
    async drop() {
      await database.close();
      const cleanup = postgres(backend.databaseUrl!, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop database if exists "${name}" with (force)`).catch(() => {});
      await cleanup.end();
    },
  };
}

export interface TestStore {
  store: Store;
  drop(): Promise<void>;
}

export async function createTestStore(clock: Clock): Promise<TestStore> {
  if (!backend.redisUrl) {
    const store = new MemoryStore(clock);
    return { store, drop: () => store.close() };
  }
  const store = new RedisStore({ url: backend.redisUrl, prefix: `${uniqueName("cobalt_test")}:` });
  await store.connect(5000);
  return {
    store,
    async drop() {
      await store.clearPrefix().catch(() => {});
      await store.close();
    },
  };
}
