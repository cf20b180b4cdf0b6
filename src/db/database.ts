/**
 * What every driver offers (./client.ts for Postgres, ./pglite.ts for the embedded database), so
 * everything above src/db sees one `Db` type and one `Database` handle.
 */
import { resolve } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type * as schema from "./schema";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

let migrationsFolder = resolve(import.meta.dir, "../../drizzle");
/** Where the committed migrations are read from; the single-file build points it at its own copy. */
export function useMigrationsFolder(folder: string): void {
  migrationsFolder = folder;
}
export function migrationsFolderPath(): string {
  return migrationsFolder;
}

export interface Database {
  kind: "postgres" | "pglite";
  /** Writes and reads that must see them. */
  db: Db;
  /** Read-only queries that may lag a little (a replica when DATABASE_READ_URL is set). */
  reader: Db;
  ping(timeoutMs?: number): Promise<void>;
  /** Applies the committed drizzle-kit migrations; safe on every start. */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** For embedded databases only: the PGlite instance (tests clone it). */
  pglite?: PGlite;
}

export async function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
