import { Elysia, t } from "elysia";
import type { Deps } from "../../deps";
import { clientInfo } from "../../http/context";
import { errorResponses, NoContent, Uuid } from "../../http/model";
import { authGuard } from "../auth/guard";
import { AdminModel } from "./model";
import * as admin from "./service";
import { adminSessionView, adminUserView, auditEventView } from "./view";

const detail = (summary: string, description?: string) => ({ summary, description, security: [{ bearer: [] }] });
const idParams = t.Object({ id: Uuid });
const denied = errorResponses(401, 403);

export function adminController(deps: Deps) {
  return new Elysia({ prefix: "/admin", detail: { tags: ["Admin"] } })
    .use(authGuard(deps))
    .guard({ role: "admin" }, (app) =>
      app
        .get(
          "/users",
          async ({ query }) => {
            const page = await admin.listUsers(deps, query);
            return { users: page.items.map(adminUserView), total: page.total, total_exact: page.total_exact, page: page.page, per_page: page.per_page, total_pages: page.total_pages };
          },
          { query: AdminModel.userListQuery, response: { 200: AdminModel.userList, ...denied, 422: errorResponses(422)[422]! }, detail: detail("List and search users") },
        )
        .get(
          "/users/:id",
          async ({ params }) => {
            const { user, sessionCount } = await admin.getUser(deps, params.id);
            return { ...adminUserView(user), session_count: sessionCount };
          },
          { params: idParams, response: { 200: AdminModel.userDetail, ...errorResponses(401, 403, 404, 422) }, detail: detail("One user, with its active session count") },
        )
        .patch(
          "/users/:id/disable",
          async ({ params, currentUser, request }) => adminUserView(await admin.setUserDisabled(deps, currentUser, params.id, true, clientInfo(request))),
          {
            params: idParams,
            response: { 200: t.Omit(AdminModel.userDetail, ["session_count"]), ...errorResponses(401, 403, 404, 409, 422) },
            detail: detail("Disable a user", "Ends every session and access token of the user at once. Not yourself, not the last active admin."),
          },
        )
        .patch(
          "/users/:id/enable",
          async ({ params, currentUser, request }) => adminUserView(await admin.setUserDisabled(deps, currentUser, params.id, false, clientInfo(request))),
          { params: idParams, response: { 200: t.Omit(AdminModel.userDetail, ["session_count"]), ...errorResponses(401, 403, 404, 422) }, detail: detail("Enable a user") },
        )
        .patch(
          "/users/:id/role",
          async ({ params, body, currentUser, request }) => adminUserView(await admin.setUserRole(deps, currentUser, params.id, body.role, clientInfo(request))),
          {
            params: idParams,
            body: AdminModel.roleBody,
            response: { 200: t.Omit(AdminModel.userDetail, ["session_count"]), ...errorResponses(401, 403, 404, 409, 422) },
            detail: detail("Change a user's role", "The last active admin cannot be demoted; nor can you demote yourself."),
          },
        )
        .delete(
          "/users/:id",
          async ({ params, currentUser, request, status }) => {
            await admin.deleteUser(deps, currentUser, params.id, clientInfo(request));
            return status(204, undefined);
          },
          { params: idParams, response: { 204: NoContent, ...errorResponses(401, 403, 404, 409, 422) }, detail: detail("Delete a user and everything it owns", "Not yourself, not the last active admin.") },
        )
        .get(
          "/users/:id/sessions",
          async ({ params }) => ({ sessions: (await admin.listUserSessions(deps, params.id)).map(adminSessionView) }),
          { params: idParams, response: { 200: AdminModel.sessions, ...errorResponses(401, 403, 404, 422) }, detail: detail("A user's active sessions") },
        )
        .delete(
          "/users/:id/sessions/:sessionId",
          async ({ params, currentUser, request, status }) => {
            await admin.revokeUserSession(deps, currentUser, params.id, params.sessionId, clientInfo(request));
            return status(204, undefined);
          },
          { params: t.Object({ id: Uuid, sessionId: Uuid }), response: { 204: NoContent, ...errorResponses(401, 403, 404, 422) }, detail: detail("End one of a user's sessions") },
        )
        .get("/stats", () => admin.getStats(deps), { response: { 200: AdminModel.stats, ...denied }, detail: detail("User and session counts") })
        .get(
          "/audit",
          async ({ query }) => {
            const page = await admin.listAudit(deps, query);
            return { events: page.items.map(auditEventView), total: page.total, page: page.page, per_page: page.per_page, total_pages: page.total_pages };
          },
          { query: AdminModel.auditQuery, response: { 200: AdminModel.auditList, ...errorResponses(401, 403, 422) }, detail: detail("The audit log, newest first") },
        ),
    );
}
