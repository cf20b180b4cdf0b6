/**
 * The minimal reference for GET /api/v1/auth/me: a bare Bun.serve doing exactly the work Cobalt's
 * /me does and nothing else. HS256 check with node:crypto's HMAC (as src/modules/auth/tokens.ts),
 * one Redis EXISTS on the three revocation keys (as src/modules/auth/sessions.ts revocationKeys,
 * same "cobalt:" prefix, same `redis` package), and the same indexed user read by primary key on
 * postgres.js 3.4.9 with a prepared statement and max_pipeline: 1, the pool sized like Cobalt's.
 *
 * Env: PORT, DATABASE_URL, REDIS_URL, JWT_SECRET, DATABASE_POOL_SIZE (default 20).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import postgres from "postgres";
import { createClient } from "redis";

const port = Number(process.env.PORT ?? 3100);
const secret = process.env.JWT_SECRET ?? "";
const poolSize = Number(process.env.DATABASE_POOL_SIZE ?? 20);
const PREFIX = "cobalt:";
const HEADER = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");

// max_pipeline is a real postgres.js option missing from its types (as in src/db/client.ts).
const options = { max: poolSize, max_pipeline: 1, prepare: true, idle_timeout: 60, onnotice: () => {} };
const sql = postgres(process.env.DATABASE_URL!, options);
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
  const expected = createHmac("sha256", secret).update(`${header}.${payload}`).digest();
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
    // The same columns drizzle's db.select().from(users) asks for, by primary key.
    const [user] = await sql`select "id", "username", "email", "password_hash", "email_verified", "email_verified_at", "role", "disabled_at", "last_login_at", "last_login_ip", "last_login_user_agent", "created_at", "updated_at" from "users" where "users"."id" = ${claims.sub} limit ${1}`;
    if (!user) return unauthorized();
    return Response.json({
      id: user.id,
      username: user.username,
      email: user.email,
      email_verified: user.email_verified,
      role: user.role,
      created_at: (user.created_at as Date).toISOString(),
    });
  },
});

console.log(JSON.stringify({ msg: "reference listening", port: server.port, pid: process.pid }));
const stop = async () => {
  server.stop(true);
  await redis.close().catch(() => {});
  await sql.end({ timeout: 2 });
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
