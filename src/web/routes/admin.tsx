/** /admin (stats and recent activity) and /admin/audit. */
import { listAudit } from "../../modules/admin/audit";
import { AdminModel } from "../../modules/admin/model";
import { auditNames, idsForPerson } from "../../modules/admin/names";
import { clampPerPage } from "../../modules/admin/list";
import { getStats } from "../../modules/admin/service";
import { AUDIT_ACTIONS } from "../../modules/audit/service";
import { exportAudit, exportFilename, exportUsers } from "../../modules/admin/export";
import { csvResponse } from "../../modules/admin/report-routes";
import { dailyStats } from "../../modules/admin/stats";
import { parseUserFilters } from "./admin-users";
import type { WebEnv } from "../context";
import { validQuery } from "../forms";
import { pages, type SignedInContext, signedIn } from "../plugin";
import { AUDIT_PER_PAGE, type AuditFilters, AuditPage, AuditResultsFragment, OverviewPage, TEXT } from "../pages/admin-audit";
import { render } from "../respond";
import { listPage } from "./list-page";

async function showOverview(ctx: SignedInContext): Promise<Response> {
  const [stats, audit, days] = await Promise.all([getStats(ctx.deps), listAudit(ctx.deps, { per_page: 10 }), dailyStats(ctx.deps)]);
  const props = { stats, events: audit.items, names: await auditNames(ctx.deps.database.reader, audit.items), now: ctx.deps.clock.now(), days };
  return render(ctx, { title: TEXT.overview.title, section: "admin", body: () => <OverviewPage {...props} /> });
}

/** The audit filters from the URL; `user_id` (older links) reads as `user`. What is broken is ignored. */
export function parseAuditFilters(params: URLSearchParams): AuditFilters {
  const valid = validQuery(AdminModel.auditQuery, params);
  const action = valid.action ?? "";
  return {
    action: (AUDIT_ACTIONS as readonly string[]).includes(action) ? action : "",
    user: (valid.user ?? valid.user_id ?? "").trim(),
    from: valid.from ?? "",
    to: valid.to ?? "",
    page: listPage(params.get("page")),
    per_page: clampPerPage(valid.per_page ?? AUDIT_PER_PAGE),
  };
}

/** The filters as the service's query (empty values left out). */
export const auditQueryOf = (filters: AuditFilters) => ({
  action: filters.action || undefined,
  user: filters.user || undefined,
  from: filters.from || undefined,
  to: filters.to || undefined,
});

async function showAudit(ctx: SignedInContext): Promise<Response> {
  const filters = parseAuditFilters(ctx.url.searchParams);
  const db = ctx.deps.database.reader;
  // Say so when the person matches no account, rather than listing nothing without a reason.
  const error = filters.user && (await idsForPerson(db, filters.user)).length === 0 ? TEXT.audit.noAccount(filters.user) : undefined;
  const result = await listAudit(ctx.deps, { ...auditQueryOf(filters), page: filters.page, per_page: filters.per_page });
  const props = { events: result.items, names: await auditNames(db, result.items), total: result.total, totalPages: result.total_pages, filters, now: ctx.deps.clock.now(), error };
  return render(ctx, { title: TEXT.audit.title, section: "admin", body: () => <AuditPage {...props} />, fragment: () => <AuditResultsFragment {...props} /> });
}

/** The CSV downloads the pages link to: the same filters as the page the link is on. */
async function auditCsv(ctx: SignedInContext): Promise<Response> {
  return csvResponse(await exportAudit(ctx.deps, auditQueryOf(parseAuditFilters(ctx.url.searchParams))), exportFilename("audit", ctx.deps.clock.now()));
}
function usersCsv(ctx: SignedInContext): Response {
  const { query } = parseUserFilters(ctx.url.searchParams);
  return csvResponse(exportUsers(ctx.deps, query), exportFilename("users", ctx.deps.clock.now()));
}

export function adminPages(env: WebEnv) {
  return pages(env)
    .get("/admin", ({ page }) => showOverview(signedIn(page)), { viewer: "admin" })
    .get("/admin/users/export", ({ page }) => usersCsv(signedIn(page)), { viewer: "admin" })
    .get("/admin/audit/export", ({ page }) => auditCsv(signedIn(page)), { viewer: "admin" })
    .get("/admin/audit", ({ page }) => showAudit(signedIn(page)), { viewer: "admin" });
}
