import { Elysia } from "elysia";
import type { Deps } from "../../deps";
import { clientInfo } from "../../http/context";
import { errorResponses } from "../../http/model";
import { authGuard } from "../auth/guard";
import { AccountModel } from "./model";
import * as account from "./service";

const bearer = [{ bearer: [] }];
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
        response: { 202: AccountModel.accepted, ...errorResponses(400, 401, 429) },
        detail: { summary: "Send a new email-verification message", security: bearer },
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
        response: { 200: AccountModel.ok, ...errorResponses(400, 422) },
        detail: { summary: "Verify an email address with the token from the message" },
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
        response: { 202: AccountModel.accepted, ...errorResponses(422, 429) },
        detail: { summary: "Ask for a password-reset message", description: "Always 202 with the same body, whether or not the address is registered." },
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
        response: { 200: AccountModel.ok, ...errorResponses(400, 422, 429) },
        detail: { summary: "Set a new password with the token from the message", description: "Ends every session of the user; does not sign in." },
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
        response: { 200: AccountModel.ok, ...errorResponses(401, 422) },
        detail: { summary: "Change the password (needs the current one)", description: "Ends the user's other sessions.", security: bearer },
      },
    );
}
