/** The admin's users table and a user's page, with role, access, sessions and deletion. */
import { NotFoundError } from "elysia";
import type { Role } from "../../db/schema";
import { AdminModel } from "../../modules/admin/model";
import { clampPerPage, listUsers, type UserListQuery } from "../../modules/admin/list";
import { deleteUser, getUser, listUserSessions, revokeUserSession, setUserDisabled, setUserRole } from "../../modules/admin/service";
import { type Notice, noticeFrom } from "../components/ui";
import { csrfTokenFor, type WebEnv } from "../context";
import { type FormFailure, formFailure, validQuery } from "../forms";
import { pages, type SignedInContext, signedIn } from "../plugin";
import { type ConfirmAction, ConfirmPage, TEXT as USER_TEXT, UserDetail } from "../pages/admin-user";
import { DEFAULT_PER_PAGE, DEFAULT_SORT, SORTS, type UserFilters } from "../pages/admin-user-filters";
import { TEXT as USERS_TEXT, UsersPage, UsersResultsFragment } from "../pages/admin-users";
import { redirect, render } from "../respond";
import { isUuid } from "../../uuid";
import { listPage } from "./list-page";
import { listPats, revokePat } from "../../modules/pats/service";
import { identityRows } from "./oauth";
import { listAudit } from "../../modules/admin/audit";
import { auditNames } from "../../modules/admin/names";
import { adminMfaView, resetUserMfa } from "../../modules/mfa/admin";

/** The list's filters, read through the admin API's query schema; what the URL gets wrong is ignored. */
export function parseUserFilters(params: URLSearchParams): { filters: UserFilters; query: UserListQuery } {
  const valid = validQuery(AdminModel.userListQuery, params);
  const sort = SORTS.some((option) => option.value === valid.sort) ? valid.sort! : DEFAULT_SORT;
  const search = valid.search?.trim() ?? "";
  const query: UserListQuery = { ...valid, search: search || undefined, sort, page: listPage(params.get("page")), per_page: clampPerPage(valid.per_page ?? DEFAULT_PER_PAGE) };
  const filters: UserFilters = {
    search,
    role: valid.role ?? "",
    status: valid.status ?? "",
    email_verified: valid.email_verified === undefined ? "" : String(valid.email_verified),
    has_mfa: valid.has_mfa === undefined ? "" : String(valid.has_mfa),
    sort,
    page: query.page!,
    per_page: query.per_page!,
  };
  return { filters, query };
}

/**
 * The list's notices and the user page's, read as one table by both pages as before (each page
 * keeps its words; this only joins the lookups). Own keys only: see noticeFrom.
 */
const NOTICES = { ...USERS_TEXT.notices, ...USER_TEXT.notices };
type NoticeKey = keyof typeof NOTICES;

async function showUsers(ctx: SignedInContext): Promise<Response> {
  const { filters, query } = parseUserFilters(ctx.url.searchParams);
  const result = await listUsers(ctx.deps, query);
  const props = { users: result.items, total: result.total, totalPages: result.total_pages, moreThan: result.total_exact ? undefined : result.exact_limit, filters, now: ctx.deps.clock.now() };
  return render(ctx, {
    title: USERS_TEXT.title,
    section: "admin",
    body: () => <UsersPage {...props} notice={noticeFrom(NOTICES, ctx.url.searchParams.get("notice"))} csrfToken={csrfTokenFor(ctx)} />,
    fragment: () => <UsersResultsFragment {...props} syncSort={ctx.htmx.trigger !== "filter-sort"} />,
  });
}

async function detailProps(ctx: SignedInContext, id: string, notice?: Notice) {
  const { user } = await getUser(ctx.deps, id);
  const [sessions, audit, identities, tokens, mfa] = await Promise.all([
    listUserSessions(ctx.deps, id),
    listAudit(ctx.deps, { user_id: id, per_page: 10 }),
    identityRows(ctx, user.id),
    listPats(ctx.deps, id),
    adminMfaView(ctx.deps.database.reader, user.id),
  ]);
  const names = await auditNames(ctx.deps.database.reader, audit.items);
  return { user, sessions, events: audit.items, names, isSelf: user.id === ctx.viewer.user.id, csrfToken: csrfTokenFor(ctx), now: ctx.deps.clock.now(), notice, identities, tokens, mfa };
}

export async function showUser(ctx: SignedInContext, notice?: Notice, status?: number): Promise<Response> {
  const props = await detailProps(ctx, ctx.params.id ?? "", notice ?? noticeFrom(NOTICES, ctx.url.searchParams.get("notice")));
  return render(ctx, { title: props.user.username, section: "admin", status, body: () => <UserDetail {...props} /> });
}

/** After an action: htmx gets the refreshed user in place; a plain form gets a redirect (or the page with the error). */
async function afterAction(ctx: SignedInContext, action: (ctx: SignedInContext) => Promise<unknown>, done: NoticeKey): Promise<Response> {
  let failure: FormFailure | undefined;
  try {
    await action(ctx);
  } catch (error) {
    failure = formFailure(error);
  }
  const id = ctx.params.id ?? "";
  if (!failure && done === "deleted") return redirect(ctx, "/admin/users?notice=deleted");
  if (!failure && !ctx.htmx.partial) return redirect(ctx, `/admin/users/${id}?notice=${done}`);
  return showUser(ctx, failure?.notice ?? NOTICES[done], failure?.status);
}

async function showConfirm(ctx: SignedInContext): Promise<Response> {
  const action = confirmAction(ctx);
  const session = action === "revoke" ? (ctx.url.searchParams.get("session") ?? "") : undefined;
  requireIds(ctx.params.id, ...(session === undefined ? [] : [session]));
  const { user } = await getUser(ctx.deps, ctx.params.id ?? "");
  const props = { user, action, session, csrfToken: csrfTokenFor(ctx) };
  return render(ctx, { title: USER_TEXT.confirm.title, section: "admin", narrow: true, body: () => <ConfirmPage {...props} /> });
}

function confirmAction(ctx: SignedInContext): ConfirmAction {
  const action = ctx.url.searchParams.get("action");
  return action === "delete" || action === "revoke" || action === "reset-mfa" ? action : "disable";
}

/**
 * Ids from the URL must look like ids before they reach a query or a form's action: a session
 * "id" such as "../../<other user>/delete" would turn "End this session?" into a deletion.
 */
function requireIds(...ids: Array<string | undefined>): void {
  for (const id of ids) if (!id || !isUuid(id)) throw new NotFoundError();
}

export function adminUserPages(env: WebEnv) {
  const actor = (ctx: SignedInContext) => ctx.viewer.user;
  const action = { viewer: "admin", rateLimit: "api" } as const;
  return pages(env)
    .get("/admin/users", ({ page }) => showUsers(signedIn(page)), { viewer: "admin" })
    .get("/admin/users/:id", ({ page }) => showUser(signedIn(page)), { viewer: "admin" })
    .get("/admin/users/:id/confirm", ({ page }) => showConfirm(signedIn(page)), { viewer: "admin" })
    .post(
      "/admin/users/:id/role",
      ({ page }) => {
        const ctx = signedIn(page);
        const role: Role = ctx.form.role === "admin" ? "admin" : "user";
        return afterAction(ctx, () => setUserRole(ctx.deps, actor(ctx), ctx.params.id ?? "", role, ctx.client), "role-changed");
      },
      action,
    )
    .post("/admin/users/:id/disable", ({ page }) => afterAction(signedIn(page), (ctx) => setUserDisabled(ctx.deps, actor(ctx), ctx.params.id ?? "", true, ctx.client), "disabled"), action)
    .post("/admin/users/:id/enable", ({ page }) => afterAction(signedIn(page), (ctx) => setUserDisabled(ctx.deps, actor(ctx), ctx.params.id ?? "", false, ctx.client), "enabled"), action)
    .post("/admin/users/:id/reset-mfa", ({ page }) => afterAction(signedIn(page), (ctx) => resetUserMfa(ctx.deps, actor(ctx), ctx.params.id ?? "", ctx.client), "mfa-reset"), action)
    .post("/admin/users/:id/delete", ({ page }) => afterAction(signedIn(page), (ctx) => deleteUser(ctx.deps, actor(ctx), ctx.params.id ?? "", ctx.client), "deleted"), action)
    .post(
      "/admin/users/:id/sessions/:session/revoke",
      ({ page }) => {
        const ctx = signedIn(page);
        requireIds(ctx.params.id, ctx.params.session);
        return afterAction(ctx, () => revokeUserSession(ctx.deps, actor(ctx), ctx.params.id ?? "", ctx.params.session ?? "", ctx.client), "session-ended");
      },
      action,
    )
    .post(
      "/admin/users/:id/tokens/:token/revoke",
      ({ page }) => {
        const ctx = signedIn(page);
        requireIds(ctx.params.id, ctx.params.token);
        return afterAction(ctx, () => revokePat(ctx.deps, ctx.params.id ?? "", ctx.params.token ?? "", { userId: ctx.viewer.user.id, ...ctx.client }), "token-revoked");
      },
      action,
    );
}
