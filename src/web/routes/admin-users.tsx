/** The admin's users table and a user's page, with role, access, sessions and deletion. */
import { Elysia, NotFoundError } from "elysia";
import type { Role } from "../../db/schema";
import { clampPerPage, deleteUser, getUser, listAudit, listUsers, listUserSessions, revokeUserSession, setUserDisabled, setUserRole } from "../../modules/admin/service";
import type { Notice } from "../components/ui";
import type { WebEnv } from "../context";
import { issueCsrfToken } from "../csrf";
import { type FormFailure, formFailure } from "../forms";
import { type SignedInContext, signedInPage } from "../page";
import { type ConfirmAction, ConfirmPage, UserDetail } from "../pages/admin-user";
import { DEFAULT_PER_PAGE, DEFAULT_SORT, SORTS, type UserFilters, UsersPage, UsersResultsFragment } from "../pages/admin-users";
import { redirect, render } from "../respond";
import { isUuid } from "../../modules/users/service";
import { listPage } from "./list-page";
import { identityRows } from "./oauth";
import { userNames } from "./user-names";

const oneOf = (value: string | null, allowed: readonly string[]) => (value && allowed.includes(value) ? value : "");

/** Unknown filter values are ignored rather than refused: a hand-edited URL still shows a list. */
export function parseUserFilters(params: URLSearchParams): UserFilters {
  return {
    search: (params.get("search") ?? "").trim().slice(0, 200),
    role: oneOf(params.get("role"), ["user", "admin"]),
    status: oneOf(params.get("status"), ["active", "disabled"]),
    email_verified: oneOf(params.get("email_verified"), ["true", "false"]),
    sort: oneOf(params.get("sort"), SORTS.map((sort) => sort.value)) || DEFAULT_SORT,
    page: listPage(params.get("page")),
    per_page: clampPerPage(Number(params.get("per_page") ?? DEFAULT_PER_PAGE)),
  };
}

const NOTICES = {
  deleted: { tone: "success", text: "The user has been deleted." },
  disabled: { tone: "success", text: "Account disabled. Every session of the user has ended." },
  enabled: { tone: "success", text: "Account enabled. The user can sign in again." },
  "role-changed": { tone: "success", text: "Role updated." },
  "session-ended": { tone: "success", text: "Session ended." },
} satisfies Record<string, Notice>;
type NoticeKey = keyof typeof NOTICES;
const noticeFor = (key: string | null): Notice | undefined => (key && key in NOTICES ? NOTICES[key as NoticeKey] : undefined);

async function showUsers(ctx: SignedInContext): Promise<Response> {
  const filters = parseUserFilters(ctx.url.searchParams);
  const result = await listUsers(ctx.deps, {
    ...filters,
    search: filters.search || undefined,
    role: (filters.role || undefined) as Role | undefined,
    status: (filters.status || undefined) as "active" | "disabled" | undefined,
    email_verified: filters.email_verified ? filters.email_verified === "true" : undefined,
  });
  const props = { users: result.items, total: result.total, totalPages: result.total_pages, filters, now: ctx.deps.clock.now() };
  return render(ctx, {
    title: "Users",
    section: "admin",
    body: () => <UsersPage {...props} notice={noticeFor(ctx.url.searchParams.get("notice"))} />,
    fragment: () => <UsersResultsFragment {...props} syncSort={ctx.htmx.trigger !== "filter-sort"} />,
  });
}

async function detailProps(ctx: SignedInContext, id: string, notice?: Notice) {
  const { user } = await getUser(ctx.deps, id);
  const [sessions, audit, identities] = await Promise.all([listUserSessions(ctx.deps, id), listAudit(ctx.deps, { user_id: id, per_page: 10 }), identityRows(ctx, user.id)]);
  const names = await userNames(ctx.deps, audit.items);
  return { user, sessions, events: audit.items, names, isSelf: user.id === ctx.viewer.user.id, csrfToken: issueCsrfToken(ctx), now: ctx.deps.clock.now(), notice, identities };
}

async function showUser(ctx: SignedInContext, notice?: Notice, status?: number): Promise<Response> {
  const props = await detailProps(ctx, ctx.params.id ?? "", notice ?? noticeFor(ctx.url.searchParams.get("notice")));
  return render(ctx, { title: props.user.username, section: "admin", status, body: () => <UserDetail {...props} /> });
}

/** After an action: htmx gets the refreshed user in place; a plain form gets a redirect (or the page with the error). */
async function afterAction(ctx: SignedInContext, action: () => Promise<unknown>, done: NoticeKey): Promise<Response> {
  let failure: FormFailure | undefined;
  try {
    await action();
  } catch (error) {
    failure = formFailure(error);
  }
  const id = ctx.params.id ?? "";
  if (!failure && done === "deleted") return redirect(ctx, "/admin/users?notice=deleted");
  if (!failure && !ctx.htmx.partial) return redirect(ctx, `/admin/users/${id}?notice=${done}`);
  return showUser(ctx, failure?.notice ?? NOTICES[done], failure?.status);
}

function confirmAction(ctx: SignedInContext): ConfirmAction {
  const action = ctx.url.searchParams.get("action");
  return action === "delete" || action === "revoke" ? action : "disable";
}

/**
 * Ids from the URL must look like ids before they reach a query or a form's action: a session
 * "id" such as "../../<other user>/delete" would turn "End this session?" into a deletion.
 */
function requireIds(...ids: Array<string | undefined>): void {
  for (const id of ids) if (!id || !isUuid(id)) throw new NotFoundError();
}

export function adminUserPages(env: WebEnv) {
  const admin = (handler: (ctx: SignedInContext) => Promise<Response>) => signedInPage(env, handler, { role: "admin" });
  const actor = (ctx: SignedInContext) => ctx.viewer.user;
  return new Elysia({ prefix: "/admin/users", detail: { hide: true } })
    .get("/", admin(showUsers))
    .get("/:id", admin((ctx) => showUser(ctx)))
    .get(
      "/:id/confirm",
      admin(async (ctx) => {
        const action = confirmAction(ctx);
        const session = action === "revoke" ? (ctx.url.searchParams.get("session") ?? "") : undefined;
        requireIds(ctx.params.id, ...(session === undefined ? [] : [session]));
        const { user } = await getUser(ctx.deps, ctx.params.id ?? "");
        const props = { user, action, session, csrfToken: issueCsrfToken(ctx) };
        return render(ctx, { title: "Please confirm", section: "admin", narrow: true, body: () => <ConfirmPage {...props} /> });
      }),
    )
    .post(
      "/:id/role",
      admin((ctx) => {
        const role: Role = ctx.form.role === "admin" ? "admin" : "user";
        return afterAction(ctx, () => setUserRole(ctx.deps, actor(ctx), ctx.params.id ?? "", role, ctx.client), "role-changed");
      }),
    )
    .post("/:id/disable", admin((ctx) => afterAction(ctx, () => setUserDisabled(ctx.deps, actor(ctx), ctx.params.id ?? "", true, ctx.client), "disabled")))
    .post("/:id/enable", admin((ctx) => afterAction(ctx, () => setUserDisabled(ctx.deps, actor(ctx), ctx.params.id ?? "", false, ctx.client), "enabled")))
    .post("/:id/delete", admin((ctx) => afterAction(ctx, () => deleteUser(ctx.deps, actor(ctx), ctx.params.id ?? "", ctx.client), "deleted")))
    .post(
      "/:id/sessions/:session/revoke",
      admin((ctx) => {
        requireIds(ctx.params.id, ctx.params.session);
        return afterAction(ctx, () => revokeUserSession(ctx.deps, actor(ctx), ctx.params.id ?? "", ctx.params.session ?? "", ctx.client), "session-ended");
      }),
    );
}
