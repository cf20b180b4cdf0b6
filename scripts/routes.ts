/**
 * docs/routes.md, the table of every route with its guard, rate-limit budget and file, made from
 * the app itself: the policy macros write what they require into each route's `detail`
 * (src/http/model.ts, policyNote). `bun run routes` rewrites the file; tests/route-table.test.ts
 * fails when it is out of date or when a route has no file below.
 */
import { createApp } from "../src/app";
import { Background } from "../src/background";
import { systemClock } from "../src/clock";
import { loadConfig } from "../src/config";
import { openPostgres } from "../src/db/client";
import { createLogger } from "../src/logger";
import { Mailer } from "../src/mail/mailer";
import { Metrics } from "../src/metrics";
import { AccessTokens } from "../src/modules/keys/access-tokens";
import { AccountCache } from "../src/modules/users/account-cache";
import { MemoryStore } from "../src/store/memory";

/**
 * Where each route is declared: the first entry that is the path, or a prefix of it ending at a
 * "/", wins. Add new route files here.
 */
const FILES: Array<[prefix: string, file: string, method?: string]> = [
  ["/.well-known/", "src/modules/keys/index.ts"],
  ["/api/v1/auth/providers", "src/modules/oauth/index.ts"],
  ["/api/v1/auth/identities", "src/modules/oauth/index.ts"],
  ["/api/v1/auth/tokens", "src/modules/pats/index.ts"],
  ["/api/v1/auth/mfa/passkey/", "src/modules/passkeys/index.ts"],
  ["/api/v1/auth/reauthenticate/passkey/", "src/modules/passkeys/index.ts"],
  ["/api/v1/auth/mfa", "src/modules/mfa/index.ts"],
  ["/api/v1/auth/reauthenticate", "src/modules/mfa/index.ts"],
  ["/api/v1/auth/me", "src/modules/account/index.ts"],
  ["/api/v1/auth/change-email", "src/modules/account/index.ts"],
  ["/api/v1/auth/confirm-email", "src/modules/account/index.ts"],
  ["/api/v1/auth/sessions/revoke-others", "src/modules/account/index.ts"],
  ["/api/v1/auth/passkeys", "src/modules/passkeys/index.ts"],
  ["/api/v1/auth/passkey/", "src/modules/passkeys/index.ts"],
  ["/api/v1/auth/accept-invite", "src/modules/admin/manage-routes.ts"],
  ["/api/v1/auth/", "src/modules/auth/index.ts"],
  // User management shares two paths with the basic admin routes: told apart by method.
  ["/api/v1/admin/users/:id/impersonate", "src/modules/impersonation/index.ts"],
  ["/api/v1/admin/users", "src/modules/admin/manage-routes.ts", "POST"],
  ["/api/v1/admin/users/:id", "src/modules/admin/manage-routes.ts", "PATCH"],
  ["/api/v1/admin/users/bulk", "src/modules/admin/manage-routes.ts"],
  ["/api/v1/admin/users/export", "src/modules/admin/report-routes.ts"],
  ["/api/v1/admin/audit/export", "src/modules/admin/report-routes.ts"],
  ["/api/v1/admin/stats/daily", "src/modules/admin/report-routes.ts"],
  ["/api/v1/admin/users/:id/send-reset", "src/modules/admin/manage-routes.ts"],
  ["/api/v1/admin/users/:id/logout-all", "src/modules/admin/manage-routes.ts"],
  ["/api/v1/admin/", "src/modules/admin/index.ts"],
  ["/health", "src/modules/health/index.ts"],
  ["/metrics", "src/modules/health/metrics.ts"],
  ["/swagger", "src/http/docs.ts"],
  ["/dev/", "src/mail/outbox.tsx"],
  ["/static/", "src/web/routes/static.ts"],
  ["/favicon.ico", "src/web/routes/static.ts"],
  ["/login/mfa", "src/web/routes/second-step.tsx"],
  ["/account/reauthenticate", "src/web/routes/second-step.tsx"],
  ["/account/security", "src/web/routes/security.tsx"],
  ["/login/passkey", "src/web/routes/passkeys.tsx"],
  ["/login", "src/web/routes/auth.tsx"],
  ["/register", "src/web/routes/auth.tsx"],
  ["/logout", "src/web/routes/auth.tsx"],
  ["/logout-all", "src/web/routes/auth.tsx"],
  ["/dashboard", "src/web/routes/dashboard.tsx"],
  ["/account/identities/", "src/web/routes/oauth.tsx"],
  ["/account/username", "src/web/routes/self-service.tsx"],
  ["/account/email", "src/web/routes/self-service.tsx"],
  ["/account/sessions/end-others", "src/web/routes/self-service.tsx"],
  ["/account/delete", "src/web/routes/self-service.tsx"],
  ["/account/export", "src/web/routes/self-service.tsx"],
  ["/confirm-email", "src/web/routes/self-service.tsx"],
  ["/account/passkeys", "src/web/routes/passkeys.tsx"],
  ["/account/", "src/web/routes/account.tsx"],
  ["/oauth/", "src/web/routes/oauth.tsx"],
  ["/verify-email", "src/web/routes/email-links.tsx"],
  ["/forgot-password", "src/web/routes/email-links.tsx"],
  ["/reset-password", "src/web/routes/email-links.tsx"],
  ["/admin/users/:id/impersonate", "src/web/routes/impersonation.tsx"],
  ["/impersonation/", "src/web/routes/impersonation.tsx"],
  ["/admin/users/export", "src/web/routes/admin.tsx"],
  ["/admin/users/new", "src/web/routes/admin-manage.tsx"],
  ["/admin/users/bulk", "src/web/routes/admin-manage.tsx"],
  ["/admin/users/:id/edit", "src/web/routes/admin-manage.tsx"],
  ["/admin/users/:id/send-reset", "src/web/routes/admin-manage.tsx"],
  ["/admin/users/:id/unlock", "src/web/routes/admin-manage.tsx"],
  ["/admin/users/:id/logout-all", "src/web/routes/admin-manage.tsx"],
  ["/admin/users", "src/web/routes/admin-users.tsx"],
  ["/invite", "src/web/routes/invite.tsx"],
  ["/admin", "src/web/routes/admin.tsx"],
  ["/", "src/web/index.ts"],
  ["/*", "src/web/index.ts"],
];

export interface RouteLike {
  method: string;
  path: string;
  hooks: { detail?: Record<string, unknown> };
}

export interface RouteRow {
  method: string;
  path: string;
  auth: string;
  rateLimit: string;
  file: string | undefined;
}

/** The `auth`/`role`/`viewer` requirement, and the scopes that let a personal access token in (`scopes` alone: a session or such a PAT). */
function whoOf(detail: Record<string, unknown>): string {
  const scopes = detail["x-pat-scopes"];
  const who = String(detail["x-auth"] ?? (scopes ? "bearer token or access cookie" : "public"));
  const recent = detail["x-recent-auth"] ? "; recent authentication" : "";
  return scopes ? `${who}${recent}; or a PAT with ${String(scopes)}` : `${who}${recent}`;
}

export function fileOf(path: string, method?: string): string | undefined {
  const under = (prefix: string) => path === prefix || path.startsWith(prefix.endsWith("/") ? prefix : `${prefix}/`) || (prefix.endsWith("/") && path === prefix.slice(0, -1));
  const exact = FILES.find(([prefix, , only]) => only !== undefined && only === method && prefix === path);
  if (exact) return exact[1];
  return FILES.find(([prefix, , only]) => only === undefined && (prefix === "/" ? path === "/" : under(prefix)))?.[1];
}

/** Every route once: /api mirrors /api/v1 and is listed under the canonical prefix only. */
export function routeRows(routes: RouteLike[]): RouteRow[] {
  const rows = routes
    // OPTIONS answers are CORS preflights (src/app.ts), not routes of their own.
    .filter((route) => route.method !== "OPTIONS")
    .filter((route) => !(route.path === "/api" || route.path.startsWith("/api/")) || route.path.startsWith("/api/v1/"))
    .map((route) => ({
      method: route.method,
      path: route.path,
      auth: whoOf(route.hooks.detail ?? {}),
      rateLimit: String(route.hooks.detail?.["x-rate-limit"] ?? "—"),
      file: fileOf(route.path, route.method),
    }));
  return rows.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

export function renderRouteTable(rows: RouteRow[]): string {
  const lines = [
    "# Routes",
    "",
    "Every route the app serves, made from the app by `bun run routes` (scripts/routes.ts); a test",
    "fails when this file is out of date. `/api/...` serves the same routes as `/api/v1/...`.",
    "**Who** is what the route's `auth`, `role`, `scopes` or `viewer` macro requires (src/http/session.ts); a",
    "browser session also means a CSRF check (Origin and token, src/http/origin.ts) on every unsafe method;",
    "**budget** is its `rateLimit` macro (the budgets are in src/rate-limits.ts).",
    "",
    "| method | path | who | budget | declared in |",
    "|---|---|---|---|---|",
    ...rows.map((row) => `| ${row.method} | \`${row.path}\` | ${row.auth} | ${row.rateLimit} | ${row.file ?? "?"} |`),
    "",
  ];
  return lines.join("\n");
}

/** The app's routes. Nothing is served: the database client never connects (Bun.SQL connects on the first query). */
export async function appRoutes(): Promise<RouteLike[]> {
  const config = loadConfig({ NODE_ENV: "test", LOG_LEVEL: "silent", ENCRYPTION_KEY: "0".repeat(64), JWT_SECRET: "route-table-0123456789-0123456789-abcdef" });
  const logger = createLogger({ level: "silent", format: "json", write: () => {} });
  const database = openPostgres("postgres://route-table.invalid:5432/none", 1);
  const background = new Background(logger);
  const metrics = new Metrics({ processMetrics: false });
  const base = { config, database, store: new MemoryStore(), clock: systemClock, logger, mailer: new Mailer(config, logger, background, metrics), background, metrics };
  // Not prepared: no token is signed or checked while routes are listed.
  const routes = createApp({ ...base, accessTokens: new AccessTokens(base), accounts: new AccountCache() }).routes as unknown as RouteLike[];
  await database.close();
  return routes;
}

if (import.meta.main) {
  const table = renderRouteTable(routeRows(await appRoutes()));
  await Bun.write(new URL("../docs/routes.md", import.meta.url), table);
  console.log("docs/routes.md written");
}
