import { Elysia } from "elysia";
import type { Deps } from "../../deps";
import { clientInfo } from "../../http/context";
import { BEARER, errorResponses, operation, PUBLIC } from "../../http/model";
import { authGuard } from "../auth/guard";
import { AccountModel } from "./model";
import * as account from "./service";

const FORGOT_ANSWER = "If an account uses this address, a message with a reset link is on its way.";

/** Email verification and password flows; mounted under /auth next to sign-in. */
export function accountController(deps: Deps) {
  return new Elysia({ prefix: "/auth", detail: { tags: ["Auth"] } })
    .use(authGuard(deps))
    .post(
      "/send-verification",
      async ({ auth, request, status }) => {
        await account.sendVerification(deps, auth, clientInfo(request));
        return status(202, { message: "A verification message is on its way." });
      },
      {
        auth: true,
        response: { 202: AccountModel.accepted, ...errorResponses(400) },
        detail: operation("sendVerification", "Send a new email-verification message", { security: BEARER, description: "400 `already_verified` when there is nothing to verify; throttled per address." }),
      },
    )
    .post(
      "/verify-email",
      async ({ body, request }) => {
        await account.verifyEmail(deps, body.token, clientInfo(request));
        return { message: "Your email address is verified." };
      },
      {
        body: AccountModel.verifyEmail,
        response: { 200: AccountModel.ok, ...errorResponses(400) },
        detail: operation("verifyEmail", "Verify an email address with the token from the message", { security: PUBLIC, description: "400 `invalid_token` or `expired_token` for a bad link." }),
      },
    )
    .post(
      "/forgot-password",
      async ({ body, request, status }) => {
        await account.requestPasswordReset(deps, body.email, clientInfo(request));
        return status(202, { message: FORGOT_ANSWER });
      },
      {
        body: AccountModel.forgotPassword,
        response: { 202: AccountModel.accepted },
        detail: operation("forgotPassword", "Ask for a password-reset message", { security: PUBLIC, description: "Always 202 with the same body, whether or not the address is registered." }),
      },
    )
    .post(
      "/reset-password",
      async ({ body, request }) => {
        await account.resetPassword(deps, body.token, body.password, clientInfo(request));
        return { message: "Your password has been reset. Sign in with the new one." };
      },
      {
        body: AccountModel.resetPassword,
        response: { 200: AccountModel.ok, ...errorResponses(400) },
        detail: operation("resetPassword", "Set a new password with the token from the message", { security: PUBLIC, description: "Ends every session of the user; does not sign in. 400 `invalid_token` or `expired_token` for a bad link." }),
      },
    )
    .post(
      "/change-password",
      async ({ auth, body, request }) => {
        await account.changePassword(deps, auth, body.current_password, body.new_password, clientInfo(request));
        return { message: "Your password has been changed. Your other sessions were signed out." };
      },
      {
        auth: true,
        body: AccountModel.changePassword,
        response: { 200: AccountModel.ok },
        detail: operation("changePassword", "Change the password (needs the current one)", { security: BEARER, description: "Ends the user's other sessions." }),
      },
    );
}
