/** /account/password, /account/verification, /account/sessions/:id/end and /account/tokens[/:id/revoke]: the dashboard's actions. */
import { changePassword, sendVerification } from "../../modules/auth/credentials";
import { CredentialsModel } from "../../modules/auth/model";
import { endOwnSession, getCurrentUser, listSessions } from "../../modules/auth/service";
import { csrfTokenFor, type WebEnv } from "../context";
import { type FormFailure, type FormState, formFailure, hasErrors, invalid, validateForm } from "../forms";
import { pages, type SignedInContext, signedIn } from "../plugin";
import { ChangePasswordForm, SessionsCard, TEXT, VerificationBanner } from "../pages/dashboard";
import { redirect, render } from "../respond";
import { showDashboard } from "./dashboard";
import { revokeToken, submitToken } from "./tokens";

async function submitPassword(ctx: SignedInContext): Promise<Response> {
  const errors = validateForm(CredentialsModel.changePassword, ctx.form);
  let failure: FormFailure | undefined = hasErrors(errors) ? invalid(errors) : undefined;
  if (!failure) {
    try {
      await changePassword(ctx.deps, ctx.viewer.auth, ctx.form.current_password!, ctx.form.new_password!, ctx.client);
    } catch (error) {
      failure = formFailure(error);
    }
  }
  const state: FormState = { values: {}, errors: failure?.errors ?? {}, notice: failure?.notice ?? TEXT.notices["password-changed"] };
  if (!ctx.htmx.partial) return failure ? showDashboard(ctx, { password: state, status: failure.status }) : redirect(ctx, "/dashboard?notice=password-changed");
  const form = () => <ChangePasswordForm state={state} csrfToken={csrfTokenFor(ctx)} username={ctx.viewer.user.username} />;
  if (failure) return render(ctx, { title: TEXT.title, status: failure.status, body: form });
  // The change ended every other session: the sessions card must not go on listing them.
  const sessions = await listSessions(ctx.deps, ctx.viewer.auth);
  const card = { sessions, currentId: ctx.viewer.auth.sessionId, csrfToken: csrfTokenFor(ctx), now: ctx.deps.clock.now() };
  return render(ctx, {
    title: TEXT.title,
    body: () => (
      <>
        {form()}
        <SessionsCard {...card} outOfBand />
      </>
    ),
  });
}

async function resendVerification(ctx: SignedInContext): Promise<Response> {
  let failure: FormFailure | undefined;
  try {
    await sendVerification(ctx.deps, ctx.viewer.auth, ctx.client);
  } catch (error) {
    failure = formFailure(error);
  }
  if (!ctx.htmx.partial) return failure ? showDashboard(ctx, { notice: failure.notice, status: failure.status }) : redirect(ctx, "/dashboard?notice=verification-sent");
  // Fresh from the database: the address may have been verified in another tab meanwhile.
  const user = await getCurrentUser(ctx.deps, ctx.viewer.auth);
  const notice = failure?.notice ?? TEXT.notices["verification-sent"];
  // One verification mail a minute (src/rate-limits.ts): the button says when the next may go.
  const resendIn = failure ? failure.retryAfterSeconds : 60;
  return render(ctx, { title: TEXT.title, status: failure?.status, body: () => <VerificationBanner user={user} csrfToken={csrfTokenFor(ctx)} notice={notice} resendIn={resendIn} /> });
}

async function endSession(ctx: SignedInContext): Promise<Response> {
  let failure: FormFailure | undefined;
  try {
    await endOwnSession(ctx.deps, ctx.viewer.auth, ctx.params.id ?? "", ctx.client);
  } catch (error) {
    failure = formFailure(error);
  }
  if (!ctx.htmx.partial) return failure ? showDashboard(ctx, { notice: failure.notice, status: failure.status }) : redirect(ctx, "/dashboard?notice=session-ended");
  const sessions = await listSessions(ctx.deps, ctx.viewer.auth);
  const props = { sessions, currentId: ctx.viewer.auth.sessionId, csrfToken: csrfTokenFor(ctx), now: ctx.deps.clock.now(), notice: failure?.notice ?? TEXT.notices["session-ended"] };
  return render(ctx, { title: TEXT.title, status: failure?.status, body: () => <SessionsCard {...props} /> });
}

export function accountPages(env: WebEnv) {
  return pages(env)
    .post("/account/password", ({ page }) => submitPassword(signedIn(page)), { viewer: "required", notImpersonated: true, rateLimit: "api" })
    .post("/account/verification", ({ page }) => resendVerification(signedIn(page)), { viewer: "required", rateLimit: "email" })
    .post("/account/sessions/:id/end", ({ page }) => endSession(signedIn(page)), { viewer: "required", notImpersonated: true, rateLimit: "api" })
    .post("/account/tokens", ({ page }) => submitToken(signedIn(page), showDashboard), { viewer: "required", recentAuth: true, rateLimit: "api" })
    .post("/account/tokens/:id/revoke", ({ page }) => revokeToken(signedIn(page), showDashboard), { viewer: "required", notImpersonated: true, rateLimit: "api" });
}
