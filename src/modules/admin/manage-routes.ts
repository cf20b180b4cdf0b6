/**
 * /admin user management (docs/admin.md): create and invite, edit, reset link, end sessions,
 * bulk actions; and /auth/accept-invite, where the invitation's link leads. Same policy as the
 * rest of /admin: an administrator read fresh from the database on every request.
 */
import { Elysia, t } from "elysia";
import type { Deps } from "../../deps";
import { clientInfo } from "../../http/context";
import { cookieAccess } from "../../http/cookies";
import { BEARER, errorResponses, NoContent, operation, PUBLIC, withHeaders } from "../../http/model";
import { policy } from "../../http/policy";
import { setSessionCookies } from "../../http/session";
import { acceptInvitation } from "../auth/invitations";
import { AuthModel } from "../auth/model";
import { tokenResponse } from "../auth/view";
import { bulkAction, createUser, endAllSessions, sendResetLink, updateUser } from "./manage";
import { ManageModel } from "./manage-model";
import { AdminModel } from "./model";
import { adminUserView } from "./view";

const detail = (id: string, summary: string, description: string) => operation(id, summary, { security: BEARER, description });
const idParams = AdminModel.idParams;

export function adminManageController(deps: Deps) {
  return new Elysia({ prefix: "/admin", detail: { tags: ["Admin"] } })
    .use(policy(deps))
    .guard({ role: "admin", scopes: ["admin:write"] }, (app) =>
      app
        .post(
          "/users",
          async ({ body, currentUser, request, set, status }) => {
            const user = await createUser(deps, currentUser, body, clientInfo(request));
            set.headers.location = `/api/v1/admin/users/${user.id}`;
            return status(201, adminUserView(user));
          },
          {
            rateLimit: "admin_mail",
            body: ManageModel.createUser,
            response: { 201: withHeaders(AdminModel.user, { Location: t.String({ description: "The new user: `/api/v1/admin/users/{id}`" }) }), ...errorResponses(403, 409) },
            detail: detail(
              "createUser",
              "Create a user and mail an invitation",
              "The account has no password: the invitation (valid 7 days, once) links to `/invite?token=…`, where its owner chooses one (`acceptInvite`), which also verifies the address. 409 `conflict` with `details.fields` when the username or email is taken.",
            ),
          },
        )
        .patch("/users/:id", async ({ params, body, currentUser, request }) => adminUserView(await updateUser(deps, currentUser, params.id, body, clientInfo(request))), {
          rateLimit: "api",
          params: idParams,
          body: ManageModel.updateUser,
          response: { 200: AdminModel.user, ...errorResponses(403, 404, 409) },
          detail: detail(
            "updateUser",
            "Edit a user's username, email or verified mark",
            "Only the fields sent change. A new email is unverified unless `email_verified: true` comes with it, and links mailed before stop working. Audited as admin_user_updated with what changed.",
          ),
        })
        .post(
          "/users/:id/send-reset",
          async ({ params, currentUser, request, status }) => {
            await sendResetLink(deps, currentUser, params.id, clientInfo(request));
            return status(204, undefined);
          },
          {
            rateLimit: "admin_mail",
            params: idParams,
            response: { 204: NoContent, ...errorResponses(403, 404) },
            detail: detail("sendPasswordReset", "Mail the user a password reset link", "The same link as forgot-password (1 hour, once; older links stop working). 403 `account_disabled` for a disabled account."),
          },
        )
        .post(
          "/users/:id/logout-all",
          async ({ params, currentUser, request }) => ({ sessions_ended: await endAllSessions(deps, currentUser, params.id, clientInfo(request)) }),
          {
            rateLimit: "api",
            params: idParams,
            response: { 200: ManageModel.sessionsEnded, ...errorResponses(403, 404, 409) },
            detail: detail("endAllUserSessions", "End every session of a user", "Signed out everywhere at once, access tokens included. Not your own (409 `cannot_modify_self`: use `logoutAll`)."),
          },
        )
        .post("/users/bulk", async ({ body, currentUser, request }) => ({ results: await bulkAction(deps, currentUser, body.action, body.ids, clientInfo(request)) }), {
          rateLimit: "api",
          body: ManageModel.bulk,
          response: { 200: ManageModel.bulkResults, ...errorResponses(403) },
          detail: detail(
            "bulkUserAction",
            "Disable, enable, delete or sign out many users",
            "Each id under the rules of the single action, in order, each on its own: a refused id (`not_found`, `last_admin`, `cannot_modify_self`) does not stop the others. The answer lists every distinct id with `ok` and, when refused, the `code`.",
          ),
        }),
    );
}

/** POST /auth/accept-invite: the invitation's token and the first password → signed in. */
export function acceptInviteController(deps: Deps) {
  return new Elysia({ prefix: "/auth", detail: { tags: ["Auth"] } }).use(policy(deps)).post(
    "/accept-invite",
    async ({ body, cookie, request }) => {
      const result = await acceptInvitation(deps, body.token, body.password, clientInfo(request));
      setSessionCookies(cookieAccess(cookie, deps.config), deps.config, result, { access: false });
      return tokenResponse(result);
    },
    {
      rateLimit: "login",
      body: ManageModel.acceptInvite,
      response: { 200: withHeaders(AuthModel.tokenResponse, { "Set-Cookie": t.String({ description: "`refresh_token=<token>; HttpOnly; SameSite=Lax; Path=/` (plus `Secure` outside development)" }) }), ...errorResponses(400, 403) },
      detail: operation("acceptInvite", "Choose the first password with an invitation's token, and sign in", {
        security: PUBLIC,
        description: "Verifies the email address too. 400 `invalid_token` or `expired_token` for a used, replaced or week-old invitation; 403 `account_disabled`.",
      }),
    },
  );
}
