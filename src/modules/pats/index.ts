/**
 * Personal access tokens over the API (docs/tokens.md). The caller's own tokens: none of these
 * routes declares `scopes`, so a PAT can never create, list or revoke tokens (403
 * insufficient_scope). An administrator's view of a user's tokens is in src/modules/admin/index.ts.
 */
import { Elysia, t } from "elysia";
import type { Deps } from "../../deps";
import { clientInfo } from "../../http/context";
import { BEARER, errorResponses, NoContent, operation, Uuid, withHeaders } from "../../http/model";
import { policy } from "../../http/policy";
import { PatModel } from "./model";
import * as pats from "./service";

const detail = (id: string, summary: string, description: string) => operation(id, summary, { security: BEARER, description });
const actorOf = (userId: string, request: Request) => ({ userId, ...clientInfo(request) });

export function patController(deps: Deps) {
  return new Elysia({ prefix: "/auth/tokens", detail: { tags: ["Personal access tokens"] } })
    .use(policy(deps))
    .post(
      "",
      async ({ auth, body, request, set, status }) => {
        const owner = await pats.ownerOf(deps, auth.userId);
        const created = await pats.createPat(deps, owner, { name: body.name, scopes: body.scopes, expiresInDays: body.expires_in_days }, actorOf(owner.id, request));
        set.headers.location = "/api/v1/auth/tokens";
        return status(201, { ...pats.patView(created.pat), token: created.token });
      },
      {
        rateLimit: "api",
        auth: true,
        recentAuth: true,
        body: PatModel.create,
        response: { 201: withHeaders(PatModel.created, { Location: t.String({ description: "The caller's tokens: `/api/v1/auth/tokens`" }) }), ...errorResponses(403) },
        detail: detail(
          "createPersonalAccessToken",
          "Create a personal access token",
          "The token is in this answer only: store it now. Needs a recent authentication of this session (sign-in or POST /auth/reauthenticate within five minutes, else 403 `reauthentication_required`); admin scopes need an administrator (403 `forbidden`). A personal access token cannot create tokens (403 `insufficient_scope`).",
        ),
      },
    )
    .get("", async ({ auth }) => ({ tokens: (await pats.listPats(deps, auth.userId)).map(pats.patView) }), {
      rateLimit: "api",
      auth: true,
      response: { 200: PatModel.list, ...errorResponses(403) },
      detail: detail("listPersonalAccessTokens", "The caller's personal access tokens", "No secrets; `last_used_at` has a resolution of one minute. Not with a personal access token (403 `insufficient_scope`)."),
    })
    .delete(
      "/:id",
      async ({ auth, params, request, status }) => {
        await pats.revokePat(deps, auth.userId, params.id, actorOf(auth.userId, request));
        return status(204, undefined);
      },
      {
        rateLimit: "api",
        auth: true,
        notImpersonated: true,
        params: t.Object({ id: Uuid }),
        response: { 204: NoContent, ...errorResponses(403, 404) },
        detail: detail("revokePersonalAccessToken", "Revoke a personal access token", "Refused at once on every instance. 404 for a token that is not the caller's; 403 `insufficient_scope` with a personal access token."),
      },
    );
}
