/**
 * Second factors over the API (docs/mfa.md): the caller's factors, the authenticator app,
 * recovery codes, the second step of a sign-in (POST /auth/mfa/verify) and re-authentication
 * (POST /auth/reauthenticate). Every change of a factor declares `recentAuth: true`.
 */
import { Elysia, t } from "elysia";
import type { Deps } from "../../deps";
import { validationError } from "../../errors";
import { clientInfo } from "../../http/context";
import { cookieAccess } from "../../http/cookies";
import { BEARER, errorResponses, NoContent, operation, PUBLIC, withHeaders } from "../../http/model";
import { policy } from "../../http/policy";
import { RECENT_AUTH_SECONDS } from "../../http/recent-auth";
import { setSessionCookies } from "../../http/session";
import { AuthModel } from "../auth/model";
import { tokenResponse } from "../auth/view";
import { MfaModel } from "./model";
import * as mfa from "./service";
import { verifySignInStep } from "./sign-in-step";
import type { FactorProof } from "./verifiers";
import { listPasskeys } from "../passkeys/queries";
import type { AssertionCredentialJSON } from "../passkeys/model";

/** The proof a body carries: a passkey's credential, or a code (422 naming the missing field). */
function proofOf(body: { method?: FactorProof["method"]; code?: string; credential?: AssertionCredentialJSON }): FactorProof | null {
  if (!body.method) return null;
  if (body.method === "passkey") {
    if (!body.credential) throw validationError({ credential: "A passkey needs the browser's credential" });
    return { method: "passkey", credential: body.credential };
  }
  if (body.code === undefined) throw validationError({ code: "Enter the code" });
  return { method: body.method, code: body.code };
}

const RECENT = `Needs a recent authentication of this session (within ${RECENT_AUTH_SECONDS / 60} minutes: sign-in or POST /auth/reauthenticate), else 403 \`reauthentication_required\`.`;
const setsCookies = { "Set-Cookie": t.String({ description: "`refresh_token` (HttpOnly, SameSite=Lax, Path=/, Max-Age=<refresh TTL>) and the `device` cookie" }) };

export function mfaController(deps: Deps) {
  return new Elysia({ prefix: "/auth", detail: { tags: ["Second factors"] } })
    .use(policy(deps))
    .get(
      "/mfa",
      async ({ auth }) => {
        const status = await mfa.mfaStatus(deps, auth);
        const passkeys = (await listPasskeys(deps.database.db, auth.userId)).map((p) => ({ id: p.id, name: p.name, created_at: p.createdAt.toISOString(), last_used_at: p.lastUsedAt?.toISOString() ?? null, backed_up: p.backedUp }));
        return { totp: status.totp ? { enabled: true as const, created_at: status.totp.createdAt.toISOString() } : null, recovery_codes_remaining: status.recoveryCodesRemaining, passkeys };
      },
      { rateLimit: "api", auth: true, factorSetup: true, response: { 200: MfaModel.status }, detail: operation("getMfa", "The caller's second factors", { security: BEARER, description: "The authenticator app, how many recovery codes are left, and the passkeys." }) },
    )
    .post("/mfa/totp/setup", async ({ auth }) => {
      const setup = await mfa.setupTotp(deps, auth);
      return { secret: setup.secret, otpauth_url: setup.otpauthUrl, qr_svg: setup.qrSvg };
    }, {
      rateLimit: "api",
      auth: true,
      recentAuth: true,
      factorSetup: true,
      response: { 200: MfaModel.totpSetup, ...errorResponses(403, 409) },
      detail: operation("setupTotp", "Start setting up an authenticator app", {
        security: BEARER,
        description: `A new seed, as text, as an otpauth:// URL and as a QR code; nothing is active until POST /auth/mfa/totp/enable gets a right code. A setup started earlier and not finished is replaced. 409 \`conflict\` while an app is enabled. ${RECENT}`,
      }),
    })
    .post(
      "/mfa/totp/enable",
      async ({ auth, body, request }) => ({ recovery_codes: (await mfa.enableTotp(deps, auth, body.code, clientInfo(request))).recoveryCodes }),
      {
        rateLimit: "api",
        auth: true,
        recentAuth: true,
        factorSetup: true,
        body: MfaModel.totpEnable,
        response: { 200: MfaModel.recoveryCodes, ...errorResponses(400, 403, 409) },
        detail: operation("enableTotp", "Enable the authenticator app with its first code", {
          security: BEARER,
          description: `400 \`invalid_code\` for a wrong code (counted like a wrong password); 409 \`conflict\` without a setup. The first factor of an account ends its other sessions and brings ten recovery codes, shown in this answer only. ${RECENT}`,
        }),
      },
    )
    .delete(
      "/mfa/totp",
      async ({ auth, request, status }) => {
        await mfa.disableTotp(deps, auth, clientInfo(request));
        return status(204, undefined);
      },
      {
        rateLimit: "api",
        auth: true,
        recentAuth: true,
        response: { 204: NoContent, ...errorResponses(403, 404) },
        detail: operation("disableTotp", "Remove the authenticator app", { security: BEARER, description: `404 when none is enabled. With no factor left, the recovery codes go too. ${RECENT}` }),
      },
    )
    .post("/mfa/recovery-codes", async ({ auth, request }) => ({ recovery_codes: await mfa.regenerateRecoveryCodes(deps, auth, clientInfo(request)) }), {
      rateLimit: "api",
      auth: true,
      recentAuth: true,
      response: { 200: MfaModel.recoveryCodes, ...errorResponses(403, 409) },
      detail: operation("regenerateRecoveryCodes", "A new set of recovery codes", { security: BEARER, description: `Ten new codes, shown this once; the old set stops working at once. 409 \`conflict\` without a second factor. ${RECENT}` }),
    })
    .post(
      "/mfa/verify",
      async ({ body, cookie, request }) => {
        const result = await verifySignInStep(deps, body.mfa_token, proofOf(body)!, clientInfo(request));
        setSessionCookies(cookieAccess(cookie, deps.config), deps.config, result, { access: false });
        return tokenResponse(result);
      },
      {
        rateLimit: "login",
        body: MfaModel.verify,
        response: { 200: withHeaders(AuthModel.tokenResponse, setsCookies), ...errorResponses(401, 403) },
        detail: operation("verifyMfa", "Finish a sign-in with a second factor", {
          security: PUBLIC,
          description:
            "Takes the `mfa_token` of a 403 `mfa_required` sign-in answer and a `code`, or for `method: \"passkey\"` the `credential` answering POST /auth/mfa/passkey/options; answers the token response and cookies of a sign-in. 401 `invalid_code` for a wrong code (`details.attempts_left`; five kill the token, and each counts in the account's password throttle); 401 `invalid_token` for an unknown, expired, spent or dead token, or one issued to another client; 403 `account_disabled`.",
        }),
      },
    )
    .post(
      "/reauthenticate",
      async ({ auth, body, request }) => {
        const proof = body.password !== undefined ? { password: body.password } : proofOf(body);
        if (!proof) throw validationError({ password: "Send password, or method and code" });
        const at = await mfa.reauthenticate(deps, auth, proof, clientInfo(request));
        return { authenticated_at: at.toISOString(), recent_until: new Date(at.getTime() + RECENT_AUTH_SECONDS * 1000).toISOString() };
      },
      {
        rateLimit: "login",
        auth: true,
        factorSetup: true,
        body: MfaModel.reauthenticate,
        response: { 200: MfaModel.reauthenticated, ...errorResponses(400) },
        detail: operation("reauthenticate", "Confirm it is you, for sensitive changes", {
          security: BEARER,
          description:
            "Renews this session's recent authentication with the password, or with a second factor (`method` and `code`). A wrong password is 422 on `password`, a wrong code 400 `invalid_code`; both count in the account's password throttle (429 when locked).",
        }),
      },
    );
}
