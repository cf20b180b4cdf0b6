/** /admin (stats and recent activity) and /admin/audit. */
import { clampPerPage, getStats, listAudit } from "../../modules/admin/service";
import { AUDIT_ACTIONS } from "../../modules/audit/service";
import { isUuid } from "../../uuid";
import type { WebEnv } from "../context";
import { pages, type SignedInContext, signedIn } from "../plugin";
import { type AuditFilters, AuditPage, AuditResultsContent, OverviewPage } from "../pages/admin-audit";
import { render } from "../respond";
import { listPage } from "./list-page";
import { userNames } from "./user-names";

async function showOverview(ctx: SignedInContext): Promise<Response> {
  const [stats, audit] = await Promise.all([getStats(ctx.deps), listAudit(ctx.deps, { per_page: 10 })]);
  const props = { stats, events: audit.items, names: await userNames(ctx.deps, audit.items), now: ctx.deps.clock.now() };
  return render(ctx, { title: "Admin", section: "admin", body: () => <OverviewPage {...props} /> });
}

async function showAudit(ctx: SignedInContext): Promise<Response> {
  const params = ctx.url.searchParams;
  const action = params.get("action") ?? "";
  const userId = (params.get("user_id") ?? "").trim();
  const filters: AuditFilters = {
    action: (AUDIT_ACTIONS as readonly string[]).includes(action) ? action : "",
    user_id: userId,
    page: listPage(params.get("page")),
    per_page: clampPerPage(Number(params.get("per_page") ?? 25)),
  };
  const error = userId && !isUuid(userId) ? "Enter a user id (a UUID), or leave it empty" : undefined;
  const result = await listAudit(ctx.deps, { ...filters, action: filters.action || undefined, user_id: error ? undefined : userId || undefined });
  const props = { events: result.items, names: await userNames(ctx.deps, result.items), total: result.total, totalPages: result.total_pages, filters, now: ctx.deps.clock.now(), error };
  return render(ctx, { title: "Audit log", section: "admin", body: () => <AuditPage {...props} />, fragment: () => <AuditResultsContent {...props} /> });
}

export function adminPages(env: WebEnv) {
  return pages(env)
    .get("/admin", ({ page }) => showOverview(signedIn(page)), { viewer: "admin" })
    .get("/admin/audit", ({ page }) => showAudit(signedIn(page)), { viewer: "admin" });
}
