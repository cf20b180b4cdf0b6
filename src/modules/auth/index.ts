/**
 * Everything under /auth: sign-up, sign-in, tokens and sessions (./service.ts), and email
 * verification and the password flows (./credentials.ts). Each route declares its policy:
 * `rateLimit` (src/rate-limits.ts) and `auth` (src/http/session.ts).
 */
import { Elysia, t } from "elysia";
import type { Session } from "../../db/schema";
import type { Deps } from "../../deps";
import { AppError } from "../../errors";
import { clientInfo } from "../../http/context";
import { cookieAccess } from "../../http/cookies";
import { BEARER, BEARER_OR_COOKIE, errorResponses, NoContent, operation, PUBLIC, REFRESH_COOKIE_OR_BODY, Uuid, withHeaders } from "../../http/model";
import { policy } from "../../http/policy";
import { refuseImpersonation } from "../../http/recent-auth";
import { ACCESS_COOKIE, clearSessionCookies, isTokenCaller, presentedClaims, readAccessToken, REFRESH_COOKIE, setSessionCookies } from "../../http/session";
import * as credentials from "./credentials";
import { AuthModel, CredentialsModel, SessionList } from "./model";
import * as auth from "./service";
import { sessionView, tokenResponse } from "./view";

const FORGOT_ANSWER = "If an account uses this address, a message with a reset link is on its way.";

/** The refresh cookie these answers set (src/http/cookies.ts: HttpOnly, SameSite=Lax, Path=/, Secure outside dev). */
const setsRefreshCookie = { "Set-Cookie": t.String({ description: "`refresh_token=<token>; HttpOnly; SameSite=Lax; Path=/; Max-Age=<refresh TTL>` (plus `Secure` outside development)" }) };
const clearsCookies = { "Set-Cookie": t.String({ description: "Expires the `refresh_token` and `access_token` cookies" }) };

const currentSessionView = (session: Session, currentId: string | null) => ({ ...sessionView(session), current: session.id === currentId });

export function authController(deps: Deps) {
  const { config } = deps;

  return new Elysia({ prefix: "/auth", detail: { tags: ["Auth"] } })
    .use(policy(deps))
    .post(
      "/register",
      async ({ body, cookie, request, set, status }) => {
        const result = await auth.register(deps, body, clientInfo(request));
        setSessionCookies(cookieAccess(cookie, config), config, result, { access: false });
        set.headers.location = "/api/v1/auth/me";
        return status(201, tokenResponse(result));
      },
      {
        rateLimit: "register_attempt",
        body: AuthModel.register,
        response: {
          201: withHeaders(AuthModel.tokenResponse, { ...setsRefreshCookie, Location: t.String({ description: "The new account: `/api/v1/auth/me`" }) }),
          ...errorResponses(409),
        },
        detail: operation("register", "Create an account and sign in", { security: PUBLIC, description: "Answers a token response and sets the `refresh_token` cookie. 409 `conflict` when the username or email is taken (case-insensitive)." }),
      },
    )
    .post(
      "/login",
      async ({ body, cookie, request }) => {
        const result = await auth.login(deps, { usernameOrEmail: body.username_or_email, password: body.password }, clientInfo(request));
        setSessionCookies(cookieAccess(cookie, config), config, result, { access: false });
        return tokenResponse(result);
      },
      {
        rateLimit: "login",
        body: AuthModel.login,
        response: { 200: withHeaders(AuthModel.tokenResponse, setsRefreshCookie), ...errorResponses(401, 403) },
        detail: operation("login", "Sign in with username or email", {
          security: PUBLIC,
          description: "Sets the `refresh_token` cookie. Unknown account and wrong password get the same 401 `invalid_credentials`; a disabled account gets 403 `account_disabled`.",
        }),
      },
    )
    .post(
      "/refresh",
      async ({ body, cookie, request }) => {
        const presented = body?.refresh_token || (cookie[REFRESH_COOKIE]?.value as string | undefined);
        if (!presented) throw new AppError("invalid_token", "No refresh token: send the refresh_token cookie");
        const result = await auth.refresh(deps, presented, clientInfo(request));
        setSessionCookies(cookieAccess(cookie, config), config, result, { access: false });
        return tokenResponse(result);
      },
      {
        rateLimit: "refresh",
        body: AuthModel.refresh,
        response: { 200: withHeaders(AuthModel.tokenResponse, setsRefreshCookie), ...errorResponses(401, 403) },
        detail: operation("refresh", "Rotate the refresh token", {
          security: REFRESH_COOKIE_OR_BODY,
          description:
            "Reads the `refresh_token` cookie, or `refresh_token` in the (optional) body, answers a new token response and sets a new cookie. 401 `invalid_token` when the token is missing, unknown or expired. A replaced token presented again after the grace window revokes the whole session.",
        }),
      },
    )
    .post(
      "/logout",
      async ({ headers, cookie, request, status }) => {
        const claims = await presentedClaims(deps, readAccessToken(headers.authorization, cookie[ACCESS_COOKIE]?.value));
        const refreshToken = cookie[REFRESH_COOKIE]?.value as string | undefined;
        await auth.logout(deps, { claims, refreshToken }, clientInfo(request));
        clearSessionCookies(cookieAccess(cookie, config));
        return status(204, undefined);
      },
      {
        rateLimit: "api",
        response: { 204: withHeaders(NoContent, clearsCookies) },
        detail: operation("logout", "Sign out of this session", {
          security: BEARER_OR_COOKIE,
          description: "Send the bearer token, the access cookie or the refresh cookie (any or all): revokes the session and denies the access token until it expires; clears the cookies. Always 204.",
        }),
      },
    )
    .post(
      "/logout-all",
      async ({ auth: caller, cookie, request, status }) => {
        await auth.logoutAll(deps, caller, clientInfo(request));
        clearSessionCookies(cookieAccess(cookie, config));
        return status(204, undefined);
      },
      { rateLimit: "api", auth: true, factorSetup: true, notImpersonated: true, response: { 204: withHeaders(NoContent, clearsCookies) }, detail: operation("logoutAll", "Sign out of every session", { security: BEARER, description: "Revokes every session of the user, this one included, and clears the cookies." }) },
    )
    // GET/PATCH/DELETE /auth/me and the other self-service routes: src/modules/account.
    .get(
      "/sessions",
      async ({ auth: caller }) => ({ sessions: (await auth.listSessions(deps, caller)).map((session) => currentSessionView(session, isTokenCaller(caller) ? null : caller.sessionId)) }),
      { rateLimit: "api", scopes: ["sessions:read"], response: { 200: SessionList }, detail: operation("listSessions", "The user's active sessions", { security: BEARER, description: "Every session of the user that has not ended or expired; `current` marks the one making the request." }) },
    )
    .delete(
      "/sessions/:id",
      async ({ auth: caller, params, request, status }) => {
        // Also a personal access token's route, which notImpersonated (sessions only) cannot
        // guard: an impersonated session may not sign the user out (docs/impersonation.md).
        if (!isTokenCaller(caller)) refuseImpersonation(caller);
        await auth.endOwnSession(deps, caller, params.id, clientInfo(request));
        return status(204, undefined);
      },
      {
        rateLimit: "api",
        scopes: ["sessions:write"],
        params: t.Object({ id: Uuid }),
        response: { 204: NoContent, ...errorResponses(404) },
        detail: operation("endSession", "End one of the user's own sessions", { security: BEARER, description: "404 for a session that is not the caller's." }),
      },
    )
    .post(
      "/send-verification",
      async ({ auth, request, status }) => {
        await credentials.sendVerification(deps, auth, clientInfo(request));
        return status(202, { message: "A verification message is on its way." });
      },
      {
        rateLimit: "email",
        auth: true,
        response: { 202: CredentialsModel.accepted, ...errorResponses(400) },
        detail: operation("sendVerification", "Send a new email-verification message", { security: BEARER, description: "400 `already_verified` when there is nothing to verify; throttled per address." }),
      },
    )
    .post(
      "/verify-email",
      async ({ body, request }) => {
        await credentials.verifyEmail(deps, body.token, clientInfo(request));
        return { message: "Your email address is verified." };
      },
      {
        rateLimit: "api",
        body: CredentialsModel.verifyEmail,
        response: { 200: CredentialsModel.ok, ...errorResponses(400, 403) },
        detail: operation("verifyEmail", "Verify an email address with the token from the message", { security: PUBLIC, description: "400 `invalid_token` or `expired_token` for a bad link; 403 `account_disabled`." }),
      },
    )
    .post(
      "/forgot-password",
      async ({ body, request, status }) => {
        await credentials.requestPasswordReset(deps, body.email, clientInfo(request));
        return status(202, { message: FORGOT_ANSWER });
      },
      {
        rateLimit: "email",
        body: CredentialsModel.forgotPassword,
        response: { 202: CredentialsModel.accepted },
        detail: operation("forgotPassword", "Ask for a password-reset message", { security: PUBLIC, description: "Always 202 with the same body, whether or not the address is registered." }),
      },
    )
    .post(
      "/reset-password",
      async ({ body, request }) => {
        await credentials.resetPassword(deps, body.token, body.password, clientInfo(request));
        return { message: "Your password has been reset. Sign in with the new one." };
      },
      {
        rateLimit: "reset_password",
        body: CredentialsModel.resetPassword,
        response: { 200: CredentialsModel.ok, ...errorResponses(400, 403) },
        detail: operation("resetPassword", "Set a new password with the token from the message", {
          security: PUBLIC,
          description: "Ends every session of the user; does not sign in. 400 `invalid_token` or `expired_token` for a bad link (a password change or a disable voids it); 403 `account_disabled`.",
        }),
      },
    )
    .post(
      "/change-password",
      async ({ auth, body, request }) => {
        await credentials.changePassword(deps, auth, body.current_password, body.new_password, clientInfo(request));
        return { message: "Your password has been changed. Your other sessions were signed out." };
      },
      {
        rateLimit: "api",
        auth: true,
        notImpersonated: true,
        body: CredentialsModel.changePassword,
        response: { 200: CredentialsModel.ok, ...errorResponses(409) },
        detail: operation("changePassword", "Change the password (needs the current one)", {
          security: BEARER,
          description: "Ends the user's other sessions and voids outstanding reset links. 409 `conflict` when the password changed while the request was in flight; 401 when a reset ended this session meanwhile.",
        }),
      },
    );
}
