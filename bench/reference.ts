/**
 * The bare reference for GET /api/v1/auth/me: a plain Bun.serve doing exactly the work Cobalt's
 * /me does and nothing else, on the drivers Cobalt uses. HS256 check with Bun's keyed hasher (as
 * src/modules/auth/tokens.ts), one Redis EXISTS on the three revocation keys (same "cobalt:"
 * prefix, same `redis` package), and one prepared read of the user by primary key on Bun's SQL
 * with the pool sized like Cobalt's (DATABASE_POOL_SIZE, default 20, as src/config.ts).
 *
 * REFERENCE_DRIVER=postgres-js runs the same server on postgres.js 3.4.9 instead (prepared
 * statements, max_pipeline: 1): an informational second reference, Cobalt's former driver.
 *
 * Env: PORT, DATABASE_URL, REDIS_URL, JWT_SECRET, DATABASE_POOL_SIZE, REFERENCE_DRIVER.
 */
import { timingSafeEqual } from "node:crypto";
import postgres from "postgres";
import { createClient } from "redis";

const port = Number(process.env.PORT ?? 3100);
const secret = process.env.JWT_SECRET ?? "";
const poolSize = Number(process.env.DATABASE_POOL_SIZE ?? 20);
const driver = process.env.REFERENCE_DRIVER ?? "bun-sql";
const PREFIX = "cobalt:";
const HEADER = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");

interface UserRow {
  id: string;
  username: string;
  email: string;
  email_verified: boolean;
  role: string;
  created_at: Date;
}

// The same columns drizzle's db.select().from(users) asks for, by primary key.
type FindUser = (id: string) => Promise<UserRow | undefined>;
let findUser: FindUser;
let closeDatabase: () => Promise<void>;
if (driver === "postgres-js") {
  // max_pipeline is a real postgres.js option missing from its types.
  const sql = postgres(process.env.DATABASE_URL!, { max: poolSize, max_pipeline: 1, prepare: true, idle_timeout: 60, onnotice: () => {} } as postgres.Options<{}>);
  findUser = async (id) =>
    (
      await sql<UserRow[]>`select "id", "username", "email", "password_hash", "email_verified", "email_verified_at", "role", "disabled_at", "last_login_at", "last_login_ip", "last_login_user_agent", "created_at", "updated_at" from "users" where "users"."id" = ${id} limit ${1}`
    )[0];
  closeDatabase = () => sql.end({ timeout: 2 });
} else {
  // As src/db/client.ts opens it; Bun.SQL prepares and caches every statement.
  const sql = new Bun.SQL(process.env.DATABASE_URL!, { max: poolSize, connectionTimeout: 5, idleTimeout: 60 });
  findUser = async (id) =>
    (
      (await sql`select "id", "username", "email", "password_hash", "email_verified", "email_verified_at", "role", "disabled_at", "last_login_at", "last_login_ip", "last_login_user_agent", "created_at", "updated_at" from "users" where "users"."id" = ${id} limit ${1}`) as UserRow[]
    )[0];
  closeDatabase = () => sql.close({ timeout: 2 });
}

const redis = createClient({ url: process.env.REDIS_URL });
await redis.connect();

interface Claims {
  sub: string;
  sid: string;
  jti: string;
  exp: number;
}

function verify(token: string, nowSeconds: number): Claims | null {
  if (token.length > 4096) return null;
  const [header, payload, sig, extra] = token.split(".");
  if (header !== HEADER || !payload || !sig || extra !== undefined) return null;
  const expected = new Bun.CryptoHasher("sha256", secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(sig, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Claims;
    return typeof claims.sub === "string" && typeof claims.exp === "number" && claims.exp > nowSeconds ? claims : null;
  } catch {
    return null;
  }
}

const unauthorized = () => Response.json({ error: "Unauthorized", code: "invalid_token" }, { status: 401 });

const server = Bun.serve({
  port,
  hostname: "127.0.0.1",
  async fetch(request) {
    const url = request.url;
    const path = url.slice(url.indexOf("/", 8));
    if (path === "/health") return Response.json({ status: "healthy" });
    if (path !== "/api/v1/auth/me" || request.method !== "GET") return Response.json({ error: "Not found" }, { status: 404 });
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "");
    const claims = match ? verify(match[1]!, Math.floor(Date.now() / 1000)) : null;
    if (!claims) return unauthorized();
    const revoked = await redis.exists([`${PREFIX}deny:jti:${claims.jti}`, `${PREFIX}revoked:sid:${claims.sid}`, `${PREFIX}revoked:uid:${claims.sub}`]);
    if (revoked > 0) return unauthorized();
    const user = await findUser(claims.sub);
    if (!user) return unauthorized();
    return Response.json({
      id: user.id,
      username: user.username,
      email: user.email,
      email_verified: user.email_verified,
      role: user.role,
      created_at: user.created_at.toISOString(),
    });
  },
});

console.log(JSON.stringify({ msg: "reference listening", driver, port: server.port, pid: process.pid }));
const stop = async () => {
  server.stop(true);
  await redis.close().catch(() => {});
  await closeDatabase();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
