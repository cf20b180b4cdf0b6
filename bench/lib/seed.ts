/** The benchmark's own database and Redis keyspace: create, seed by SQL, clean up. */
import { createHash, randomBytes } from "node:crypto";
import postgres from "postgres";
import { createClient } from "redis";

export const USER_PREFIX = "bench_user_";
export const ADMIN_USERNAME = "bench_admin";

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  return withDatabase(adminUrl, name);
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
  } finally {
    await admin.end();
  }
}

export interface Seeded {
  users: number;
  /** Refresh tokens of sessions inserted as createSession writes them (one per user, users 1..n). */
  refreshTokens: string[];
  seconds: number;
}

/**
 * Inserts `users` users (bench_user_1..n) and one admin, all with the same precomputed Argon2id
 * hash, then `refreshPool` live sessions with known refresh tokens (only their SHA-256 stored,
 * as the app does). The schema comes from the app's own migrations (it has started once).
 */
export async function seed(url: string, options: { users: number; passwordHash: string; refreshPool: number }): Promise<Seeded> {
  const started = performance.now();
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`
      insert into users (username, email, password_hash, email_verified, email_verified_at, role, created_at, updated_at)
      select ${USER_PREFIX} || g, ${USER_PREFIX} || g || '@example.com', ${options.passwordHash}, g % 3 <> 0, case when g % 3 <> 0 then now() end, 'user',
             now() - make_interval(mins => g), now()
      from generate_series(1, ${options.users}::int) g`;
    await sql`
      insert into users (username, email, password_hash, email_verified, email_verified_at, role)
      values (${ADMIN_USERNAME}, ${`${ADMIN_USERNAME}@example.com`}, ${options.passwordHash}, true, now(), 'admin')`;
    const refreshTokens = Array.from({ length: options.refreshPool }, () => randomBytes(32).toString("base64url"));
    const usernames = refreshTokens.map((_, i) => `${USER_PREFIX}${i + 1}`);
    const hashes = refreshTokens.map((token) => createHash("sha256").update(token).digest("hex"));
    await sql`
      insert into sessions (user_id, token_hash, created_at, last_used_at, expires_at, ip, user_agent)
      select u.id, t.hash, now(), now(), now() + interval '7 days', '127.0.0.1', 'cobalt-bench'
      from unnest(${usernames}::text[], ${hashes}::text[]) as t(username, hash)
      join users u on u.username = t.username`;
    // As autovacuum would soon after a bulk import: statistics, and the trigram index's pending
    // list merged (until then every search also scans the unmerged entries).
    await sql`vacuum analyze users`;
    await sql`analyze sessions`;
    return { users: options.users + 1, refreshTokens, seconds: (performance.now() - started) / 1000 };
  } finally {
    await sql.end();
  }
}

/** Backends of the database sitting inside a transaction with nothing running: a leaked transaction. */
export async function idleInTransaction(adminUrl: string, database: string): Promise<number> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql`select count(*)::int as n from pg_stat_activity where datname = ${database} and state like 'idle in transaction%'`;
    return Number(row?.n ?? 0);
  } finally {
    await sql.end();
  }
}

/** Deletes every key under the app's "cobalt:" prefix in the benchmark's Redis database. */
export async function clearRedis(url: string): Promise<number> {
  const client = createClient({ url });
  await client.connect();
  let deleted = 0;
  try {
    for await (const keys of client.scanIterator({ MATCH: "cobalt:*", COUNT: 1000 })) {
      if (keys.length > 0) deleted += await client.del(keys);
    }
  } finally {
    await client.close();
  }
  return deleted;
}

export async function versions(pgUrl: string, redisUrl: string): Promise<{ postgres: string; redis: string }> {
  const sql = postgres(pgUrl, { max: 1, onnotice: () => {} });
  const client = createClient({ url: redisUrl });
  try {
    const [row] = await sql`show server_version`;
    await client.connect();
    const info = await client.info("server");
    return { postgres: String(row?.server_version ?? "?"), redis: /redis_version:(\S+)/.exec(info)?.[1] ?? "?" };
  } finally {
    await sql.end();
    await client.close().catch(() => {});
  }
}
