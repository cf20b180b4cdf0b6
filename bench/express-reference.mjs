/**
 * The "typical Express" reference for GET /api/v1/auth/me, run under Node: express +
 * jsonwebtoken + node-redis + pg doing the same work as Cobalt's /me (HS256 check, one Redis
 * EXISTS on the three revocation keys, one prepared read of the user by primary key), written
 * as a competent team would: the secret handed to jsonwebtoken as a KeyObject made once at
 * start (a string secret makes every verify try to parse it as a PEM key first, ~45x the cost).
 *
 * Env: PORT, DATABASE_URL, REDIS_URL, JWT_SECRET, DATABASE_POOL_SIZE (default 20).
 */
import { createSecretKey } from "node:crypto";
import express from "express";
import jwt from "jsonwebtoken";
import pg from "pg";
import { createClient } from "redis";

const port = Number(process.env.PORT ?? 3200);
const secret = createSecretKey(Buffer.from(process.env.JWT_SECRET ?? "", "utf8"));
const PREFIX = "cobalt:";

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE ?? 20) });
const redis = createClient({ url: process.env.REDIS_URL });
await redis.connect();

const USER_BY_ID =
  'select "id", "username", "email", "password_hash", "email_verified", "email_verified_at", "role", "disabled_at", "last_login_at", "last_login_ip", "last_login_user_agent", "created_at", "updated_at" from "users" where "users"."id" = $1 limit 1';

const app = express();
app.disable("x-powered-by");

app.get("/health", (_req, res) => res.json({ status: "healthy" }));

app.get("/api/v1/auth/me", async (req, res, next) => {
  try {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
    let claims;
    try {
      claims = match ? jwt.verify(match[1], secret, { algorithms: ["HS256"] }) : null;
    } catch {
      claims = null;
    }
    if (!claims || typeof claims.sub !== "string") return res.status(401).json({ error: "Unauthorized", code: "invalid_token" });
    const revoked = await redis.exists([`${PREFIX}deny:jti:${claims.jti}`, `${PREFIX}revoked:sid:${claims.sid}`, `${PREFIX}revoked:uid:${claims.sub}`]);
    if (revoked > 0) return res.status(401).json({ error: "Unauthorized", code: "invalid_token" });
    const { rows } = await pool.query({ name: "user_by_id", text: USER_BY_ID, values: [claims.sub] });
    const user = rows[0];
    if (!user) return res.status(401).json({ error: "Unauthorized", code: "invalid_token" });
    res.json({ id: user.id, username: user.username, email: user.email, email_verified: user.email_verified, role: user.role, created_at: user.created_at.toISOString() });
  } catch (error) {
    next(error);
  }
});

const server = app.listen(port, "127.0.0.1", () => console.log(JSON.stringify({ msg: "express reference listening", port, pid: process.pid })));
const stop = async () => {
  server.close();
  await redis.close().catch(() => {});
  await pool.end().catch(() => {});
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
