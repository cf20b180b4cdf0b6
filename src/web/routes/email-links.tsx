/** /verify-email, /forgot-password and /reset-password: the pages the emailed links open. */
import { requestPasswordReset, resetPassword, verifyEmail } from "../../modules/auth/credentials";
import { findOneTimeToken } from "../../modules/auth/one-time-tokens";
import type { TokenPurpose } from "../../db/schema";
import { CredentialsModel } from "../../modules/auth/model";
import { csrfTokenFor, endBrowserSession, type PageContext, type WebEnv } from "../context";
import { emptyForm, expiredForm, type FormFailure, formFailure, hasErrors, invalid, validateForm } from "../forms";
import { safeNext, withNext } from "../next";
import { pages } from "../plugin";
import { ForgotPasswordForm, ForgotPasswordPage, LinkProblemPage, ResetPasswordForm, ResetPasswordPage, TEXT, VerifyEmailPage } from "../pages/account";
import { redirect, render } from "../respond";

/** A one-time token in the URL must not leak to other sites through the Referer header. */
function noReferrer(ctx: PageContext): void {
  ctx.headers.set("referrer-policy", "no-referrer");
}

function missingToken(ctx: PageContext, title: string): Promise<Response> {
  return render(ctx, { title, narrow: true, status: 400, body: () => <LinkProblemPage title={title} text={TEXT.linkProblem.incomplete} signedIn={ctx.viewer !== null} /> });
}

/**
 * A link that can no longer be used says so at once, instead of offering a button that can only
 * fail. Looking is free of side effects (mail scanners open links too); using it is the POST.
 */
async function deadLink(ctx: PageContext, token: string, purpose: TokenPurpose, rule: string): Promise<Response | null> {
  try {
    await findOneTimeToken(ctx.deps.database.db, token, purpose, new Date(ctx.deps.clock.now()));
    return null;
  } catch (error) {
    const failure = formFailure(error);
    const text = TEXT.linkProblem.text(failure.notice.text, rule);
    return render(ctx, { title: TEXT.linkProblem.title, narrow: true, status: failure.status, body: () => <LinkProblemPage title={TEXT.linkProblem.heading} text={text} signedIn={ctx.viewer !== null} /> });
  }
}

async function showVerify(ctx: PageContext): Promise<Response> {
  noReferrer(ctx);
  const token = ctx.url.searchParams.get("token") ?? "";
  if (!token) return missingToken(ctx, TEXT.verify.title);
  const dead = await deadLink(ctx, token, "verify_email", TEXT.verify.rule);
  if (dead) return dead;
  return render(ctx, { title: TEXT.verify.title, narrow: true, body: () => <VerifyEmailPage token={token} csrfToken={csrfTokenFor(ctx)} /> });
}

async function submitVerify(ctx: PageContext): Promise<Response> {
  const token = ctx.form.token ?? "";
  if (!token) return missingToken(ctx, TEXT.verify.title);
  try {
    await verifyEmail(ctx.deps, token, ctx.client);
  } catch (error) {
    const failure = formFailure(error);
    const text = TEXT.linkProblem.text(failure.notice.text, TEXT.verify.rule);
    return render(ctx, { title: TEXT.linkProblem.title, narrow: true, status: failure.status, body: () => <LinkProblemPage title={TEXT.linkProblem.heading} text={text} signedIn={ctx.viewer !== null} /> });
  }
  return redirect(ctx, ctx.viewer ? "/dashboard?notice=verified" : "/login?notice=email-verified");
}

/** `next` from the form (a post) or the query (a link): where sign-in goes at the end of the flow. */
const nextOf = (ctx: PageContext) => safeNext(ctx.form.next ?? ctx.url.searchParams.get("next"));

function showForgot(ctx: PageContext, failure?: FormFailure, sent = false): Promise<Response> {
  const state = { values: { email: ctx.form.email ?? "" }, errors: failure?.errors ?? {}, notice: failure?.notice };
  const props = { state, csrfToken: csrfTokenFor(ctx), sent, next: nextOf(ctx) };
  return render(ctx, { title: TEXT.forgot.title, narrow: true, status: failure?.status, body: () => <ForgotPasswordPage {...props} />, fragment: () => <ForgotPasswordForm {...props} /> });
}

async function submitForgot(ctx: PageContext): Promise<Response> {
  const errors = validateForm(CredentialsModel.forgotPassword, ctx.form);
  if (hasErrors(errors)) return showForgot(ctx, invalid(errors));
  try {
    // Resolves at once and says nothing about whether the address has an account.
    await requestPasswordReset(ctx.deps, ctx.form.email!, ctx.client);
  } catch (error) {
    return showForgot(ctx, formFailure(error));
  }
  return ctx.htmx.partial ? showForgot(ctx, undefined, true) : redirect(ctx, withNext("/forgot-password?sent=1", nextOf(ctx)));
}

async function showReset(ctx: PageContext, token: string, failure?: FormFailure): Promise<Response> {
  noReferrer(ctx);
  if (!token) return missingToken(ctx, TEXT.reset.title);
  // A form sent back with errors has a token just checked by the service; a fresh visit checks it here.
  const dead = failure ? null : await deadLink(ctx, token, "reset_password", TEXT.reset.rule);
  if (dead) return dead;
  const props = { state: { ...emptyForm(), errors: failure?.errors ?? {}, notice: failure?.notice }, csrfToken: csrfTokenFor(ctx), token, next: nextOf(ctx) };
  return render(ctx, { title: TEXT.reset.title, narrow: true, status: failure?.status, body: () => <ResetPasswordPage {...props} />, fragment: () => <ResetPasswordForm {...props} /> });
}

async function submitReset(ctx: PageContext): Promise<Response> {
  const token = ctx.form.token ?? "";
  const errors = validateForm(CredentialsModel.resetPassword, ctx.form);
  if (hasErrors(errors)) return showReset(ctx, token, invalid(errors));
  try {
    await resetPassword(ctx.deps, token, ctx.form.password!, ctx.client);
  } catch (error) {
    return showReset(ctx, token, formFailure(error));
  }
  // Every session of the account has just ended, this browser's included.
  endBrowserSession(ctx);
  return redirect(ctx, withNext("/login?notice=password-reset", nextOf(ctx)));
}

export function emailLinkPages(env: WebEnv) {
  return pages(env)
    .get("/verify-email", ({ page }) => showVerify(page), { viewer: "optional" })
    .post("/verify-email", ({ page }) => submitVerify(page), { viewer: "optional", rateLimit: "api" })
    .get("/forgot-password", ({ page }) => showForgot(page, undefined, page.url.searchParams.get("sent") === "1"), { viewer: "optional" })
    .post("/forgot-password", ({ page }) => submitForgot(page), { viewer: "optional", rateLimit: "email", expiredForm: (page) => showForgot(page, expiredForm()) })
    .get("/reset-password", ({ page }) => showReset(page, page.url.searchParams.get("token") ?? ""), { viewer: "optional" })
    .post("/reset-password", ({ page }) => submitReset(page), { viewer: "optional", rateLimit: "reset_password" });
}
