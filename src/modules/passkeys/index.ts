/**
 * Passkeys over the API (docs/passkeys.md): a signed-in user's credentials under /auth/passkeys,
 * and the passwordless sign-in under /auth/passkey/login. None declares `scopes`: a personal
 * access token can never manage factors (403 insufficient_scope).
 */
import { Elysia, t } from "elysia";
import type { Deps } from "../../deps";
import { clientInfo } from "../../http/context";
import { cookieAccess } from "../../http/cookies";
import { BEARER, errorResponses, NoContent, operation, PUBLIC, Uuid, withHeaders } from "../../http/model";
import { RECENT_AUTH_SECONDS } from "../../http/recent-auth";
import { policy } from "../../http/policy";
import { setSessionCookies } from "../../http/session";
import { AuthModel } from "../auth/model";
import { tokenResponse } from "../auth/view";
import { findSignInStep } from "../mfa/sign-in-step";
import { MfaModel } from "../mfa/model";
import { passkeyFactorOptions } from "./factor";
import { PasskeyModel } from "./model";
import * as service from "./service";
import { passkeyLogin, passkeyLoginOptions } from "./sign-in";

const detail = (id: string, summary: string, description: string) => operation(id, summary, { security: BEARER, description });
const RECENT = `Needs a recent authentication of this session (within ${RECENT_AUTH_SECONDS / 60} minutes: sign-in or POST /auth/reauthenticate), else 403 \`reauthentication_required\`.`;

export function passkeyController(deps: Deps) {
  const { config } = deps;
  return new Elysia({ prefix: "/auth", detail: { tags: ["Passkeys"] } })
    .use(policy(deps))
    .get("/passkeys", async ({ auth }) => ({ passkeys: (await service.listPasskeys(deps.database.db, auth.userId)).map(service.passkeyView) }), {
      rateLimit: "api",
      auth: true,
      factorSetup: true,
      response: { 200: PasskeyModel.list, ...errorResponses(403) },
      detail: detail("listPasskeys", "The caller's passkeys", "Oldest first. No key material."),
    })
    .post(
      "/passkeys/options",
      async ({ auth }) => ({ options: await service.startRegistration(deps, auth) }),
      {
        rateLimit: "api",
        auth: true,
        recentAuth: true,
        factorSetup: true,
        response: { 200: PasskeyModel.creationOptions, ...errorResponses(403, 409) },
        detail: detail("passkeyRegistrationOptions", "Start registering a passkey", `WebAuthn creation options for a discoverable credential with user verification; the challenge is single use, valid five minutes, and answers only to this session. ${RECENT} 409 \`conflict\` at ${service.MAX_PASSKEYS} passkeys.`),
      },
    )
    .post(
      "/passkeys",
      async ({ auth, body, request, set, status }) => {
        const enrolled = await service.finishRegistration(deps, { userId: auth.userId, sessionId: auth.sessionId, client: clientInfo(request) }, { name: body.name, credential: body.credential });
        set.headers.location = "/api/v1/auth/passkeys";
        return status(201, { ...service.passkeyView(enrolled.result), recovery_codes: enrolled.recoveryCodes });
      },
      {
        rateLimit: "api",
        auth: true,
        recentAuth: true,
        factorSetup: true,
        body: PasskeyModel.register,
        response: { 201: withHeaders(PasskeyModel.registered, { Location: t.String({ description: "The caller's passkeys: `/api/v1/auth/passkeys`" }) }), ...errorResponses(400, 403, 409) },
        detail: detail(
          "registerPasskey",
          "Finish registering a passkey",
          `\`credential\` is what the browser returned for the options. 400 \`invalid_passkey\` when it does not verify (wrong origin or RP id, no user verification, an unknown, used or expired challenge, or another session's). 409 \`conflict\` when the credential is already registered. The account's first second factor ends its other sessions and brings ten recovery codes, in \`recovery_codes\` of this answer only (empty otherwise). ${RECENT}`,
        ),
      },
    )
    .patch("/passkeys/:id", async ({ auth, body, params }) => service.passkeyView(await service.renamePasskey(deps, auth.userId, params.id, body.name)), {
      rateLimit: "api",
      auth: true,
      params: t.Object({ id: Uuid }),
      body: PasskeyModel.rename,
      response: { 200: PasskeyModel.passkey, ...errorResponses(403, 404) },
      detail: detail("renamePasskey", "Rename a passkey", "404 for a passkey that is not the caller's."),
    })
    .delete(
      "/passkeys/:id",
      async ({ auth, params, request, status }) => {
        await service.removePasskey(deps, { userId: auth.userId, sessionId: auth.sessionId, client: clientInfo(request) }, params.id);
        return status(204, undefined);
      },
      {
        rateLimit: "api",
        auth: true,
        recentAuth: true,
        params: t.Object({ id: Uuid }),
        response: { 204: NoContent, ...errorResponses(403, 404, 409) },
        detail: detail("removePasskey", "Remove a passkey", `404 for a passkey that is not the caller's; 409 \`last_sign_in_method\` when the account has no password, no linked provider and no other passkey. ${RECENT}`),
      },
    )
    .post(
      "/passkey/login/options",
      async () => {
        const { challengeId, options } = await passkeyLoginOptions(deps);
        return { challenge_id: challengeId, options };
      },
      {
        rateLimit: "login",
        response: { 200: PasskeyModel.loginOptions },
        detail: operation("passkeyLoginOptions", "Start a passwordless sign-in", {
          security: PUBLIC,
          description: "WebAuthn request options for any discoverable credential of this site, with user verification required. Send `challenge_id` back with the credential; the challenge is single use and valid five minutes.",
        }),
      },
    )
    .post(
      "/passkey/login",
      async ({ body, cookie, request }) => {
        const result = await passkeyLogin(deps, { challengeId: body.challenge_id, credential: body.credential }, clientInfo(request));
        setSessionCookies(cookieAccess(cookie, config), config, result, { access: false });
        return tokenResponse(result);
      },
      {
        rateLimit: "login",
        body: PasskeyModel.login,
        response: {
          200: withHeaders(AuthModel.tokenResponse, { "Set-Cookie": t.String({ description: "`refresh_token=<token>; HttpOnly; SameSite=Lax; Path=/; Max-Age=<refresh TTL>` (plus `Secure` outside development)" }) }),
          ...errorResponses(401, 403),
        },
        detail: operation("passkeyLogin", "Sign in with a passkey, without a password", {
          security: PUBLIC,
          description:
            "A token response, as `login`, and the `refresh_token` cookie. The passkey's user verification makes it two factors: no second step follows. 401 `invalid_passkey` for an unknown credential, a bad signature, origin or RP id, a missing user-verification flag, a counter that did not move forward, or a challenge that is unknown, used, expired or not this `challenge_id`'s; 403 `account_disabled`.",
        }),
      },
    )
    .post("/mfa/passkey/options", async ({ body, request }) => {
      const step = await findSignInStep(deps, body.mfa_token, clientInfo(request));
      return { options: await passkeyFactorOptions(deps, step.userId, { kind: "sign_in", challengeId: step.id }) };
    }, {
      rateLimit: "login",
      body: MfaModel.passkeyOptions,
      response: { 200: PasskeyModel.requestOptions, ...errorResponses(400, 401) },
      detail: operation("mfaPasskeyOptions", "Passkey options for the second step of a sign-in", {
        security: PUBLIC,
        description:
          "Request options listing only the passkeys of the user the `mfa_token` belongs to; the challenge answers only to this sign-in step (single use, five minutes). Send the answer to POST /auth/mfa/verify with `method: \"passkey\"`. 401 `invalid_token` for an unknown, expired, spent or dead token, or one issued to another client; 400 `bad_request` when the account has no passkey.",
        tags: ["Second factors"],
      }),
    })
    .post("/reauthenticate/passkey/options", async ({ auth }) => ({ options: await passkeyFactorOptions(deps, auth.userId, { kind: "session", sessionId: auth.sessionId }) }), {
      rateLimit: "login",
      auth: true,
      factorSetup: true,
      response: { 200: PasskeyModel.requestOptions, ...errorResponses(400) },
      detail: operation("reauthenticatePasskeyOptions", "Passkey options to confirm it is you", {
        security: BEARER,
        description: "Request options listing the caller's passkeys, bound to this session (single use, five minutes). Send the answer to POST /auth/reauthenticate with `method: \"passkey\"`. 400 `bad_request` when the account has no passkey.",
      }),
    });
}
