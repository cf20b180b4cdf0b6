/**
 * POST /admin/users/:id/impersonate (docs/impersonation.md). The answer carries the impersonated
 * session's tokens in the body and sets no cookie: the administrator's own session, in whatever
 * client asked, stays as it was. An API client stops with POST /auth/logout using the token.
 */
import { Elysia } from "elysia";
import type { Deps } from "../../deps";
import { clientInfo } from "../../http/context";
import { BEARER, errorResponses, operation } from "../../http/model";
import { policy } from "../../http/policy";
import { tokenResponse } from "../auth/view";
import { ImpersonationModel } from "./model";
import { startImpersonation } from "./service";

export function impersonationController(deps: Deps) {
  return new Elysia({ prefix: "/admin", detail: { tags: ["Admin"] } }).use(policy(deps)).post(
    "/users/:id/impersonate",
    async ({ params, body, request, auth }) => {
      const started = await startImpersonation(deps, auth, params.id, body.reason.trim(), clientInfo(request));
      return {
        ...tokenResponse(started),
        refresh_token: started.refreshToken,
        impersonation: { impersonator_id: auth.userId, reason: started.reason, ends_at: started.endsAt.toISOString() },
      };
    },
    {
      rateLimit: "api",
      // A session only (a personal access token cannot open sessions), of an administrator.
      auth: true,
      role: "admin",
      params: ImpersonationModel.params,
      body: ImpersonationModel.start,
      response: { 200: ImpersonationModel.started, ...errorResponses(403, 404, 409) },
      detail: operation("impersonateUser", "Open a session as a user, to see what they see", {
        security: BEARER,
        description:
          "A session marked as impersonated (`act: {sub: admin_id}` in its tokens) that ends 30 minutes after it starts, whatever refreshes happen. It cannot change the password, factors, email or tokens, sign out everywhere, or impersonate (403 `impersonation_restricted`). 409 `cannot_impersonate` for an administrator, a disabled account or yourself. Start and stop are audited with the reason.",
      }),
    },
  );
}
