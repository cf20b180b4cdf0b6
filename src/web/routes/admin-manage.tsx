/**
 * The user-management pages (docs/admin.md): new user, edit, reset link, unlock, sign out
 * everywhere, and bulk actions on the list. They call the same services as the API; after an
 * action a plain form gets a redirect to the user's page with a notice (htmx: HX-Redirect).
 */
import { NotFoundError, t } from "elysia";
import { Email, Username } from "../../modules/auth/model";
import { BULK_MAX, ManageModel } from "../../modules/admin/manage-model";
import { BULK_ACTIONS, type BulkAction, bulkAction, createUser, endAllSessions, findUsers, sendResetLink, updateUser } from "../../modules/admin/manage";
import { getUser, unlockUser } from "../../modules/admin/service";
import { findUsernames } from "../../modules/users/service";
import { csrfTokenFor, type WebEnv } from "../context";
import { type FormState, formFailure, hasErrors, invalid, validateForm } from "../forms";
import { pages, type SignedInContext, signedIn } from "../plugin";
import { BULK_LABELS, BulkConfirmPage, BulkResultsPage, TEXT as BULK_TEXT } from "../pages/admin-bulk";
import { EditUserPage, LogoutAllConfirmPage, NewUserPage, TEXT } from "../pages/admin-manage";
import { redirect, render } from "../respond";
import { showUser } from "./admin-users";
import { isUuid } from "../../uuid";

/** The edit form always sends both names (the API takes either alone). */
const EDIT_FIELDS = t.Object({ username: Username, email: Email });

const idOf = (ctx: SignedInContext) => {
  const id = ctx.params.id ?? "";
  if (!isUuid(id)) throw new NotFoundError();
  return id;
};

function showNew(ctx: SignedInContext, state: FormState = { values: {}, errors: {} }, status?: number): Promise<Response> {
  return render(ctx, { title: TEXT.newUser.title, section: "admin", status, body: () => <NewUserPage state={state} csrfToken={csrfTokenFor(ctx)} /> });
}

async function submitNew(ctx: SignedInContext): Promise<Response> {
  const values = { username: ctx.form.username ?? "", email: ctx.form.email ?? "", role: ctx.form.role === "admin" ? "admin" : "user" };
  const errors = validateForm(ManageModel.createUser, values);
  if (hasErrors(errors)) return showNew(ctx, { values, ...invalid(errors) }, 422);
  try {
    const user = await createUser(ctx.deps, ctx.viewer.user, { username: values.username, email: values.email, role: values.role === "admin" ? "admin" : "user" }, ctx.client);
    return redirect(ctx, `/admin/users/${user.id}?notice=invited`);
  } catch (error) {
    const failure = formFailure(error);
    return showNew(ctx, { values, errors: failure.errors, notice: failure.notice }, failure.status);
  }
}

async function showEdit(ctx: SignedInContext, state: FormState = { values: {}, errors: {} }, status?: number): Promise<Response> {
  const { user } = await getUser(ctx.deps, idOf(ctx));
  return render(ctx, { title: TEXT.edit.title(user.username), section: "admin", status, body: () => <EditUserPage user={user} state={state} csrfToken={csrfTokenFor(ctx)} /> });
}

async function submitEdit(ctx: SignedInContext): Promise<Response> {
  const id = idOf(ctx);
  const values = { username: ctx.form.username ?? "", email: ctx.form.email ?? "", email_verified: ctx.form.email_verified === "on" ? "on" : "off" };
  const errors = validateForm(EDIT_FIELDS, { username: values.username, email: values.email });
  if (hasErrors(errors)) return showEdit(ctx, { values, ...invalid(errors) }, 422);
  try {
    await updateUser(ctx.deps, ctx.viewer.user, id, { username: values.username, email: values.email, email_verified: values.email_verified === "on" }, ctx.client);
    return redirect(ctx, `/admin/users/${id}?notice=updated`);
  } catch (error) {
    const failure = formFailure(error);
    return showEdit(ctx, { values, errors: failure.errors, notice: failure.notice }, failure.status);
  }
}

/** Runs an action for the user of the URL; a refusal comes back as the user's page with the message. */
async function act(ctx: SignedInContext, action: (id: string) => Promise<unknown>, notice: string): Promise<Response> {
  const id = idOf(ctx);
  try {
    await action(id);
  } catch (error) {
    const failure = formFailure(error);
    return showUser(ctx, failure.notice, failure.status);
  }
  return redirect(ctx, `/admin/users/${id}?notice=${notice}`);
}

async function showLogoutAllConfirm(ctx: SignedInContext): Promise<Response> {
  const { user } = await getUser(ctx.deps, idOf(ctx));
  return render(ctx, { title: TEXT.logoutAll.title, section: "admin", narrow: true, body: () => <LogoutAllConfirmPage user={user} csrfToken={csrfTokenFor(ctx)} /> });
}

/** The ticked rows: one `id_<uuid>` field each (a form field per row keeps FormValues flat). */
function selectedIds(ctx: SignedInContext): string[] {
  return Object.keys(ctx.form)
    .filter((key) => key.startsWith("id_") && ctx.form[key] === "on")
    .map((key) => key.slice(3))
    .filter(isUuid)
    .slice(0, BULK_MAX);
}

async function submitBulk(ctx: SignedInContext): Promise<Response> {
  const action = (BULK_ACTIONS as readonly string[]).includes(ctx.form.action ?? "") ? (ctx.form.action as BulkAction) : null;
  const ids = selectedIds(ctx);
  if (!action || ids.length === 0) return redirect(ctx, "/admin/users?notice=none-selected");
  if (BULK_LABELS[action].destructive && ctx.form.confirmed !== "yes") {
    const rows = await findUsers(ctx.deps, ids);
    const props = { action, users: rows, missing: ids.length - rows.length, csrfToken: csrfTokenFor(ctx) };
    return render(ctx, { title: BULK_TEXT.confirm.title, section: "admin", narrow: true, body: () => <BulkConfirmPage {...props} /> });
  }
  // Names first: a deleted account is still named in its row of the results.
  const names = await findUsernames(ctx.deps.database.reader, ids);
  const results = await bulkAction(ctx.deps, ctx.viewer.user, action, ids, ctx.client);
  return render(ctx, { title: BULK_TEXT.results.title, section: "admin", body: () => <BulkResultsPage action={action} results={results} names={names} /> });
}

export function adminManagePages(env: WebEnv) {
  const action = { viewer: "admin", rateLimit: "api" } as const;
  const mail = { viewer: "admin", rateLimit: "admin_mail" } as const;
  const actor = (ctx: SignedInContext) => ctx.viewer.user;
  return pages(env)
    .get("/admin/users/new", ({ page }) => showNew(signedIn(page)), { viewer: "admin" })
    .post("/admin/users/new", ({ page }) => submitNew(signedIn(page)), mail)
    .get("/admin/users/:id/edit", ({ page }) => showEdit(signedIn(page)), { viewer: "admin" })
    .post("/admin/users/:id/edit", ({ page }) => submitEdit(signedIn(page)), action)
    .post("/admin/users/:id/send-reset", ({ page }) => act(signedIn(page), (id) => sendResetLink(page.deps, actor(signedIn(page)), id, page.client), "reset-sent"), mail)
    .post("/admin/users/:id/unlock", ({ page }) => act(signedIn(page), (id) => unlockUser(page.deps, actor(signedIn(page)), id, page.client), "unlocked"), action)
    .get("/admin/users/:id/logout-all", ({ page }) => showLogoutAllConfirm(signedIn(page)), { viewer: "admin" })
    .post("/admin/users/:id/logout-all", ({ page }) => act(signedIn(page), (id) => endAllSessions(page.deps, actor(signedIn(page)), id, page.client), "signed-out"), action)
    .post("/admin/users/bulk", ({ page }) => submitBulk(signedIn(page)), action);
}
