import { Elysia, t } from "elysia";
import type { Deps } from "../../deps";
import { clientInfo } from "../../http/context";
import { BEARER, errorResponses, NoContent, operation, Uuid } from "../../http/model";
import { policy } from "../../http/policy";
import { sessionView } from "../auth/view";
import { adminMfaView, resetUserMfa } from "../mfa/admin";
import { PatModel } from "../pats/model";
import * as pats from "../pats/service";
import { AdminModel } from "./model";
import { listAudit } from "./audit";
import * as admin from "./service";
import { listUsers } from "./list";
import { adminUserView, auditEventView } from "./view";

const detail = (id: string, summary: string, description: string) => operation(id, summary, { security: BEARER, description });
const idParams = AdminModel.idParams;
/** 403: not an admin (or the role was just taken away). */
const denied = errorResponses(403);

export function adminController(deps: Deps) {
  return new Elysia({ prefix: "/admin", detail: { tags: ["Admin"] } })
    .use(policy(deps))
    // Every admin route: the shared API budget, then an administrator read fresh from the database
    // (a personal access token: with the route's admin scope, while its owner is an admin).
    .guard({ rateLimit: "api", role: "admin" }, (app) =>
      app
        .get(
          "/users",
          async ({ query }) => {
            const page = await listUsers(deps, query);
            return { users: page.items.map(adminUserView), total: page.total, total_exact: page.total_exact, exact_limit: page.exact_limit, page: page.page, per_page: page.per_page, total_pages: page.total_pages };
          },
          { scopes: ["admin:read"], query: AdminModel.userListQuery, response: { 200: AdminModel.userList, ...denied }, detail: detail("listUsers", "List and search users", "Filters combine; `search` is a case-insensitive fragment of username or email. Out-of-range `page` and `per_page` are clamped.") },
        )
        .get(
          "/users/:id",
          async ({ params }) => {
            const { user, sessionCount } = await admin.getUser(deps, params.id);
            const mfa = await adminMfaView(deps.database.reader, user.id);
            return { ...adminUserView(user), session_count: sessionCount, mfa: { totp: mfa.totp, passkeys: mfa.passkeys } };
          },
          {
            scopes: ["admin:read"],
            params: idParams,
            response: { 200: AdminModel.userDetail, ...errorResponses(403, 404) },
            detail: detail("getUser", "One user, with its active session count and second factors", "The user with `disabled_at`, `last_login_at`, timestamps, the number of active sessions and `mfa` (authenticator app, passkey count)."),
          },
        )
        .delete(
          "/users/:id/mfa",
          async ({ params, currentUser, request, status }) => {
            await resetUserMfa(deps, currentUser, params.id, clientInfo(request));
            return status(204, undefined);
          },
          {
            scopes: ["admin:write"],
            params: idParams,
            response: { 204: NoContent, ...errorResponses(403, 404, 409) },
            detail: detail(
              "resetUserMfa",
              "Reset a user's second factors",
              "For a locked-out user: removes the authenticator app, passkeys and recovery codes and ends every session of the user. Audited as mfa_reset_by_admin. Not your own (409 `cannot_modify_self`).",
            ),
          },
        )
        .patch(
          "/users/:id/disable",
          async ({ params, currentUser, request }) => adminUserView(await admin.setUserDisabled(deps, currentUser, params.id, true, clientInfo(request))),
          {
            scopes: ["admin:write"],
            params: idParams,
            response: { 200: AdminModel.user, ...errorResponses(403, 404, 409) },
            detail: detail("disableUser", "Disable a user", "Ends every session and access token of the user at once. Not yourself, not the last active admin (409)."),
          },
        )
        .patch(
          "/users/:id/enable",
          async ({ params, currentUser, request }) => adminUserView(await admin.setUserDisabled(deps, currentUser, params.id, false, clientInfo(request))),
          { scopes: ["admin:write"], params: idParams, response: { 200: AdminModel.user, ...errorResponses(403, 404) }, detail: detail("enableUser", "Enable a user", "Lets a disabled user sign in again; sessions ended by the disable stay ended.") },
        )
        .patch(
          "/users/:id/role",
          async ({ params, body, currentUser, request }) => adminUserView(await admin.setUserRole(deps, currentUser, params.id, body.role, clientInfo(request))),
          {
            scopes: ["admin:write"],
            params: idParams,
            body: AdminModel.roleBody,
            response: { 200: AdminModel.user, ...errorResponses(403, 404, 409) },
            detail: detail("setUserRole", "Change a user's role", "The last active admin cannot be demoted; nor can you demote yourself (409)."),
          },
        )
        .delete(
          "/users/:id",
          async ({ params, currentUser, request, status }) => {
            await admin.deleteUser(deps, currentUser, params.id, clientInfo(request));
            return status(204, undefined);
          },
          { scopes: ["admin:write"], params: idParams, response: { 204: NoContent, ...errorResponses(403, 404, 409) }, detail: detail("deleteUser", "Delete a user and everything it owns", "Not yourself, not the last active admin (409).") },
        )
        .post(
          "/users/:id/unlock",
          async ({ params, currentUser, request, status }) => {
            await admin.unlockUser(deps, currentUser, params.id, clientInfo(request));
            return status(204, undefined);
          },
          { scopes: ["admin:write"], params: idParams, response: { 204: NoContent, ...denied, ...errorResponses(404) }, detail: detail("unlockUser", "Clear the user's sign-in locks", "Failed password checks from every client stop counting; audited as account_unlocked.") },
        )
        .get(
          "/users/:id/sessions",
          async ({ params }) => ({ sessions: (await admin.listUserSessions(deps, params.id)).map(sessionView) }),
          { scopes: ["admin:read"], params: idParams, response: { 200: AdminModel.sessions, ...errorResponses(403, 404) }, detail: detail("listUserSessions", "A user's active sessions", "Every session of the user that has not ended or expired.") },
        )
        .delete(
          "/users/:id/sessions/:session_id",
          async ({ params, currentUser, request, status }) => {
            await admin.revokeUserSession(deps, currentUser, params.id, params.session_id, clientInfo(request));
            return status(204, undefined);
          },
          { scopes: ["admin:write"], params: t.Object({ id: Uuid, session_id: Uuid }), response: { 204: NoContent, ...errorResponses(403, 404) }, detail: detail("endUserSession", "End one of a user's sessions", "Revokes the session and its access tokens at once; 404 when the session is not that user's.") },
        )
        .get("/users/:id/tokens", async ({ params }) => ({ tokens: (await pats.listPats(deps, params.id)).map(pats.patView) }), {
          scopes: ["admin:read"],
          params: idParams,
          response: { 200: PatModel.list, ...denied },
          detail: detail("listUserPersonalAccessTokens", "A user's personal access tokens", "Not revoked, expired ones included; no secrets."),
        })
        .delete(
          "/users/:id/tokens/:token_id",
          async ({ params, currentUser, request, status }) => {
            await pats.revokePat(deps, params.id, params.token_id, { userId: currentUser.id, ...clientInfo(request) });
            return status(204, undefined);
          },
          {
            scopes: ["admin:write"],
            params: t.Object({ id: Uuid, token_id: Uuid }),
            response: { 204: NoContent, ...errorResponses(403, 404) },
            detail: detail("revokeUserPersonalAccessToken", "Revoke one of a user's personal access tokens", "Refused at once on every instance; 404 when the token is not that user's. Audited as token_revoked."),
          },
        )
        .get("/stats", () => admin.getStats(deps), { scopes: ["admin:read"], response: { 200: AdminModel.stats, ...denied }, detail: detail("getStats", "User and session counts", "Totals of users by state and role, active sessions and sign-ups in the last 7 days.") })
        .get(
          "/audit",
          async ({ query }) => {
            const page = await listAudit(deps, query);
            return { events: page.items.map(auditEventView), total: page.total, page: page.page, per_page: page.per_page, total_pages: page.total_pages };
          },
          { scopes: ["admin:read"], query: AdminModel.auditQuery, response: { 200: AdminModel.auditList, ...denied }, detail: detail("listAudit", "The audit log, newest first", "Filter by `user` (a username, email or id, exactly: the account acted or was acted on, deleted accounts included), `user_id`, `action` and the UTC days `from`..`to` (both included); paged like the user list.") },
        ),
    );
}
