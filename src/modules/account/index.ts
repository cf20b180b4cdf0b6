/**
 * The signed-in user's own account (docs/self-service.md): read and rename it, change its email
 * (confirmed from the new address), download its data, sign out the other sessions, delete it.
 * Sensitive changes declare `recentAuth` (src/http/recent-auth.ts).
 */
import { Elysia, t } from "elysia";
import type { Deps } from "../../deps";
import { clientInfo } from "../../http/context";
import { cookieAccess } from "../../http/cookies";
import { BEARER, errorResponses, NoContent, operation, PUBLIC, withHeaders } from "../../http/model";
import { policy } from "../../http/policy";
import { clearSessionCookies } from "../../http/session";
import { TOKEN_TTL_MS } from "../auth/one-time-tokens";
import { AuthModel, CredentialsModel } from "../auth/model";
import { toMe } from "../auth/view";
import { confirmEmailChange, requestEmailChange } from "./email-change";
import { exportAccount, exportFileName } from "./export";
import { AccountModel } from "./model";
import { changeUsername, deleteAccount, endOtherSessions } from "./service";

const RECENT = "Needs a recent authentication of this session (sign-in or POST /auth/reauthenticate within five minutes, else 403 `reauthentication_required`).";

export function accountController(deps: Deps) {
  return new Elysia({ prefix: "/auth", detail: { tags: ["Account"] } })
    .use(policy(deps))
    // The account the guard read on this request (a session's copy is current per the store; a PAT's owner is read with it).
    .get("/me", ({ auth: caller }) => toMe(caller.user), {
      rateLimit: "api",
      scopes: ["profile:read"],
      // Reachable while MFA_REQUIRED_ROLES asks for a factor: a client must know who it is to set one up.
      factorSetup: true,
      response: { 200: AuthModel.me },
      detail: operation("getMe", "The signed-in user", { security: BEARER, description: "The profile of the user the token belongs to." }),
    })
    .patch("/me", async ({ auth, body, request }) => toMe(await changeUsername(deps, auth, body.username, clientInfo(request))), {
      rateLimit: "api",
      auth: true,
      body: AccountModel.updateMe,
      response: { 200: AuthModel.me, ...errorResponses(409) },
      detail: operation("updateMe", "Change the username", {
        security: BEARER,
        description: "The sign-up rules apply (pattern, length, reserved names: 422). 409 `conflict` when another account has the name in any case. Changing only the case of one's own name is allowed.",
      }),
    })
    .delete(
      "/me",
      async ({ auth, cookie, request, status }) => {
        await deleteAccount(deps, auth, clientInfo(request));
        clearSessionCookies(cookieAccess(cookie, deps.config));
        return status(204, undefined);
      },
      {
        rateLimit: "api",
        auth: true,
        recentAuth: true,
        response: { 204: withHeaders(NoContent, { "Set-Cookie": t.String({ description: "Expires the `refresh_token` and `access_token` cookies" }) }), ...errorResponses(409) },
        detail: operation("deleteMe", "Delete the account", {
          security: BEARER,
          description: `Deletes the account and everything it owns (sessions, identities, tokens, factors); every session ends at once. 409 \`last_admin\` for the last active admin. ${RECENT}`,
        }),
      },
    )
    .get(
      "/me/export",
      async ({ auth, request, set }) => {
        const data = await exportAccount(deps, auth, clientInfo(request));
        set.headers["content-disposition"] = `attachment; filename="${exportFileName(data.profile.username, data.exported_at)}"`;
        return data;
      },
      {
        rateLimit: "api",
        auth: true,
        notImpersonated: true,
        response: { 200: withHeaders(AccountModel.export, { "Content-Disposition": t.String({ description: '`attachment; filename="cobalt-<username>-<date>.json"`' }) }) },
        detail: operation("exportMe", "Download everything stored about the user", {
          security: BEARER,
          description: "Profile, sessions, linked identities, token and link metadata, second-factor status and the audit events about the user, as one JSON document. Never a password hash, a token or its hash, or a factor secret.",
        }),
      },
    )
    .post(
      "/change-email",
      async ({ auth, body, request, status }) => {
        const newEmail = await requestEmailChange(deps, auth, body.new_email, clientInfo(request));
        return status(202, { message: "A confirmation link is on its way to the new address.", new_email: newEmail, expires_in: TOKEN_TTL_MS.change_email / 1000 });
      },
      {
        rateLimit: "email",
        auth: true,
        recentAuth: true,
        body: AccountModel.changeEmail,
        response: { 202: AccountModel.emailChangeRequested, ...errorResponses(409) },
        detail: operation("changeEmail", "Change the email address (confirmed from the new one)", {
          security: BEARER,
          description: `Mails a confirmation link to the new address and a notice to the current one; nothing changes until POST /auth/confirm-email. A new request voids the previous link. 409 \`conflict\` when another account has the address; 422 when it is the current one. ${RECENT}`,
        }),
      },
    )
    .post(
      "/confirm-email",
      async ({ body, request }) => {
        await confirmEmailChange(deps, body.token, clientInfo(request));
        return { message: "Your email address has been changed." };
      },
      {
        rateLimit: "api",
        body: AccountModel.confirmEmail,
        response: { 200: CredentialsModel.ok, ...errorResponses(400, 403, 409) },
        detail: operation("confirmEmail", "Confirm an email change with the token from the message", {
          security: PUBLIC,
          description: "Works signed out. The address becomes the account's, verified; other unused links of the account are voided. 400 `invalid_token` or `expired_token` for a bad link; 409 `conflict` when another account took the address meanwhile; 403 `account_disabled`.",
        }),
      },
    )
    .post(
      "/sessions/revoke-others",
      async ({ auth, request }) => ({ sessions_ended: await endOtherSessions(deps, auth, clientInfo(request)) }),
      {
        rateLimit: "api",
        auth: true,
        notImpersonated: true,
        response: { 200: AccountModel.sessionsEnded },
        detail: operation("endOtherSessions", "Sign out every other session", { security: BEARER, description: "Ends every session of the user except the one making the request." }),
      },
    );
}
