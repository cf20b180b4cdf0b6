/**
 * The API side of social sign-in: which providers are configured, and the caller's linked
 * identities. The round trip itself is a browser flow (src/web/routes/oauth.tsx).
 */
import { Elysia, t } from "elysia";
import type { Deps } from "../../deps";
import { clientInfo } from "../../http/context";
import { BEARER, errorResponses, NoContent, operation, PUBLIC, Uuid } from "../../http/model";
import { policy } from "../../http/policy";
import { OAuthModel } from "./model";
import { configuredProviders, listIdentities, toIdentityView, unlinkIdentity } from "./service";

export function oauthController(deps: Deps) {
  return new Elysia({ prefix: "/auth", detail: { tags: ["Social sign-in"] } })
    .use(policy(deps))
    .get("/providers", () => ({ providers: configuredProviders(deps) }), {
      rateLimit: "api",
      response: { 200: OAuthModel.providers },
      detail: operation("listProviders", "Configured social sign-in providers", { security: PUBLIC, description: "The providers this deployment has configured; an empty list when none is." }),
    })
    .get(
      "/identities",
      async ({ auth }) => ({ identities: (await listIdentities(deps.database.db, auth.userId)).map((identity) => toIdentityView(deps, identity)) }),
      {
        rateLimit: "api",
        auth: true,
        response: { 200: OAuthModel.identities },
        detail: operation("listIdentities", "The caller's linked provider identities", { security: BEARER, description: "Every provider account linked to the caller's account." }),
      },
    )
    .delete(
      "/identities/:id",
      async ({ auth, params, request, status }) => {
        await unlinkIdentity(deps, auth.userId, params.id, clientInfo(request));
        return status(204, undefined);
      },
      {
        rateLimit: "api",
        auth: true,
        params: t.Object({ id: Uuid }),
        response: { 204: NoContent, ...errorResponses(404, 409) },
        detail: operation("unlinkIdentity", "Unlink a provider identity", {
          security: BEARER,
          description: "404 for an identity that is not the caller's; 409 `last_sign_in_method` when it would leave the account with no password, no other identity and no passkey.",
        }),
      },
    );
}
