/**
 * The better-auth peer: better-auth on Bun + Elysia + Postgres, set up as its docs say
 * (https://better-auth.com/docs/integrations/elysia): a pg Pool as the database, email and
 * password sign-in, the handler mounted on Elysia, and the docs' `auth` macro that resolves the
 * session with `auth.api.getSession`. Session settings are better-auth's defaults (database
 * sessions, no cookie cache). Its tables come from its own migrations at start.
 *
 * Measured routes: GET /api/auth/get-session (its own) and GET /me (behind the macro, returns
 * the user), both with the session cookie its sign-in sets.
 *
 * Env: PORT, DATABASE_URL, BETTER_AUTH_SECRET, DATABASE_POOL_SIZE (default 20, as Cobalt's),
 * RATE_LIMIT=off to turn off its built-in limiter (on by default in production; the bench turns
 * Cobalt's limits off too for the throughput runs).
 */
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { Elysia } from "elysia";
import { Pool } from "pg";

const port = Number(process.env.PORT ?? 3300);

export const auth = betterAuth({
  database: new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE ?? 20) }),
  secret: process.env.BETTER_AUTH_SECRET,
  baseURL: `http://127.0.0.1:${port}`,
  emailAndPassword: { enabled: true },
  ...(process.env.RATE_LIMIT === "off" ? { rateLimit: { enabled: false } } : {}),
});

const { runMigrations } = await getMigrations(auth.options);
await runMigrations();

// The docs' plugin: the handler plus a macro that puts user and session on the context.
const betterAuthPlugin = new Elysia({ name: "better-auth" }).mount(auth.handler).macro({
  auth: {
    async resolve({ status, request: { headers } }) {
      const session = await auth.api.getSession({ headers });
      if (!session) return status(401);
      return { user: session.user, session: session.session };
    },
  },
});

const app = new Elysia()
  .use(betterAuthPlugin)
  .get("/health", () => ({ status: "healthy" }))
  .get("/me", ({ user }) => user, { auth: true })
  .listen({ port, hostname: "127.0.0.1" });

console.log(JSON.stringify({ msg: "better-auth listening", port: app.server?.port, pid: process.pid }));
const stop = async () => {
  await app.stop();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
