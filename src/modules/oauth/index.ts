/**
 * The API side of social sign-in: which providers are configured, and the caller's linked
 * identities. The round trip itself is a browser flow (src/web/routes/oauth.tsx).
 */
import { Elysia, t } from "elysia";
import type { Deps } from "../../deps";
import { clientInfo } from "../../http/context";
import { errorResponses, NoContent, Uuid } from "../../http/model";
import { authGuard } from "../auth/guard";
import { OAuthModel } from "./model";
import { configuredProviders, listIdentities, toIdentityView, unlinkIdentity } from "./service";

const bearer = [{ bearer: [] }];

export function oauthController(deps: Deps) {
  return new Elysia({ prefix: "/auth", detail: { tags: ["Social sign-in"] } })
    .use(authGuard(deps))
    .get("/providers", () => ({ providers: configuredProviders(deps) }), {
      response: { 200: OAuthModel.providers },
      detail: { summary: "Configured social sign-in providers" },
    })
    .get(
      "/identities",
      async ({ auth }) => ({ identities: (await listIdentities(deps.database.db, auth.userId)).map((identity) => toIdentityView(deps, identity)) }),
      { auth: true, response: { 200: OAuthModel.identities, ...errorResponses(401) }, detail: { summary: "The caller's linked provider identities", security: bearer } },
    )
    .delete(
      "/identities/:id",
      async ({ auth, params, request, status }) => {
        await unlinkIdentity(deps, auth.userId, params.id, clientInfo(request));
        return status(204, undefined);
      },
      {
        auth: true,
        params: t.Object({ id: Uuid }),
        response: { 204: NoContent, ...errorResponses(401, 404, 409, 422) },
        detail: {
          summary: "Unlink a provider identity",
          description: "409 `last_sign_in_method` when it would leave the account with no password and no other identity.",
          security: bearer,
        },
      },
    );
}
