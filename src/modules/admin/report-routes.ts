/** /admin CSV exports and daily stats (docs/admin.md); the same admin policy as the rest of /admin. */
import { Elysia, t } from "elysia";
import type { Deps } from "../../deps";
import { BEARER, errorResponses, Integer, named, operation, responseObject } from "../../http/model";
import { policy } from "../../http/policy";
import { exportAudit, exportFilename, exportUsers } from "./export";
import { AdminModel } from "./model";
import { dailyStats, MAX_DAYS } from "./stats";

const detail = (id: string, summary: string, description: string) => operation(id, summary, { security: BEARER, description });

/** A CSV download: printed under text/csv by the document builder (src/http/openapi.ts). */
const Csv = (description: string) => t.String({ description, "x-media-type": "text/csv" });

const { page: _page, per_page: _perPage, ...userFilters } = AdminModel.userListQuery.properties;
const { page: _auditPage, per_page: _auditPerPage, ...auditFilters } = AdminModel.auditQuery.properties;

export function csvResponse(body: ReadableStream<Uint8Array>, filename: string): Response {
  return new Response(body, {
    headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${filename}"`, "cache-control": "no-store" },
  });
}

const DailyStats = named(
  "DailyStats",
  responseObject({
    days: t.Array(
      named(
        "DayStats",
        responseObject({
          date: t.String({ format: "date", description: "The UTC day" }),
          signups: Integer({ description: "Accounts created that day" }),
          sign_ins: Integer({ description: "Successful sign-ins (password, provider, accepted invitation)" }),
          failed_sign_ins: Integer({ description: "Refused sign-ins" }),
        }),
      ),
    ),
  }),
);

export function adminReportController(deps: Deps) {
  return new Elysia({ prefix: "/admin", detail: { tags: ["Admin"] } })
    .use(policy(deps))
    .guard({ rateLimit: "api", role: "admin", scopes: ["admin:read"] }, (app) =>
      app
        .get("/users/export", ({ query }) => csvResponse(exportUsers(deps, query), exportFilename("users", deps.clock.now())), {
          query: t.Object(userFilters),
          response: { 200: Csv("id, username, email, role, email_verified, disabled_at, created_at, last_login_at"), ...errorResponses(403) },
          detail: detail("exportUsers", "The filtered user list as CSV", "The list's filters (`search`, `role`, `status`, `email_verified`; not paged), newest first, streamed. Cells a spreadsheet would run as a formula are prefixed with `'`."),
        })
        .get("/audit/export", async ({ query }) => csvResponse(await exportAudit(deps, query), exportFilename("audit", deps.clock.now())), {
          query: t.Object(auditFilters),
          response: { 200: Csv("id, created_at, action, actor_id, actor, target_id, target, ip, user_agent, details (JSON)"), ...errorResponses(403) },
          detail: detail("exportAudit", "The filtered audit log as CSV", "The audit log's filters (`user`, `user_id`, `action`, `from`, `to`; not paged), newest first, streamed, with the actor's and target's names (kept for deleted accounts)."),
        })
        .get("/stats/daily", async ({ query }) => ({ days: await dailyStats(deps, query.days) }), {
          query: t.Object({ days: t.Optional(t.Integer({ description: `UTC days up to today, 1 to ${MAX_DAYS}; out-of-range values are clamped`, default: 30 })) }),
          response: { 200: DailyStats, ...errorResponses(403) },
          detail: detail("getDailyStats", "Sign-ups, sign-ins and failed sign-ins per day", "Oldest first, every day present (zeros included), today last."),
        }),
    );
}
