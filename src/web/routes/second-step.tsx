/**
 * /login/mfa (the second step of a sign-in, with the `mfa_token` in its HttpOnly cookie) and
 * /account/reauthenticate (the "confirm it is you" prompt that sensitive pages send a stale
 * session to, which returns to where the user was). docs/mfa.md.
 */
import { AppError } from "../../errors";
import { factorMethods } from "../../modules/mfa/factors";
import { MfaModel } from "../../modules/mfa/model";
import { type Reauthentication, reauthenticate } from "../../modules/mfa/service";
import { findSignInStep, verifySignInStep } from "../../modules/mfa/sign-in-step";
import type { FactorProof } from "../../modules/mfa/verifiers";
import { type PageContext, csrfTokenFor, startBrowserSession, type WebEnv } from "../context";
import { emptyForm, type FormFailure, formFailure, hasErrors, invalid, validateForm } from "../forms";
import { safeNext } from "../next";
import { pages, type SignedInContext, signedIn } from "../plugin";
import { MfaStepPage, ReauthPage } from "../pages/second-step";
import { redirect, render } from "../respond";
import { MFA_COOKIE } from "../second-step";

const nextOf = (ctx: PageContext) => safeNext(ctx.form.next ?? ctx.url.searchParams.get("next"));
/** The method asked for (query on GET, form on POST) when the user has it, else the first they have. */
const chosen = (ctx: PageContext, methods: string[]) => {
  const asked = ctx.form.method ?? ctx.url.searchParams.get("method") ?? "";
  return methods.includes(asked) ? asked : (methods[0] ?? "totp");
};

/** The step is over (expired, spent, dead, another browser's): back to the password. */
function startOver(ctx: PageContext, notice: "mfa-expired" | "mfa-failed"): Response {
  ctx.cookies.remove(MFA_COOKIE);
  return redirect(ctx, `/login?notice=${notice}`);
}

async function showStep(ctx: PageContext, failure?: FormFailure): Promise<Response> {
  const token = ctx.cookies.get(MFA_COOKIE);
  if (!token) return startOver(ctx, "mfa-expired");
  let methods: string[];
  try {
    methods = await factorMethods(ctx.deps.database.db, (await findSignInStep(ctx.deps, token, ctx.client)).userId);
  } catch (error) {
    if (error instanceof AppError && error.kind === "invalid_token") return startOver(ctx, "mfa-expired");
    throw error;
  }
  const state = { ...emptyForm(), errors: failure?.errors ?? {}, notice: failure?.notice };
  const props = { method: chosen(ctx, methods), methods, state, csrfToken: csrfTokenFor(ctx), next: nextOf(ctx) };
  return render(ctx, { title: "Two-step verification", narrow: true, status: failure?.status, body: () => <MfaStepPage {...props} /> });
}

async function submitStep(ctx: PageContext): Promise<Response> {
  const token = ctx.cookies.get(MFA_COOKIE);
  if (!token) return startOver(ctx, "mfa-expired");
  const errors = validateForm(MfaModel.totpEnable, ctx.form);
  if (hasErrors(errors)) return showStep(ctx, invalid(errors));
  try {
    const proof = { method: ctx.form.method ?? "totp", code: ctx.form.code! } as FactorProof;
    const result = await verifySignInStep(ctx.deps, token, proof, ctx.client);
    ctx.cookies.remove(MFA_COOKIE);
    startBrowserSession(ctx, result);
    return redirect(ctx, nextOf(ctx));
  } catch (error) {
    if (error instanceof AppError && error.kind === "invalid_token") return startOver(ctx, "mfa-expired");
    if (error instanceof AppError && error.kind === "invalid_mfa_code") {
      const left = Number(error.details.attempts_left ?? 0);
      if (left <= 0) return startOver(ctx, "mfa-failed");
      return showStep(ctx, { status: 401, errors: { code: `That code is not correct. ${left} ${left === 1 ? "attempt" : "attempts"} left.` }, notice: { tone: "error", text: "That code is not correct." } });
    }
    return showStep(ctx, formFailure(error));
  }
}

/** The ways this user can confirm: the password (when the account has one), then its factors. */
async function reauthMethods(ctx: SignedInContext): Promise<string[]> {
  const factors = await factorMethods(ctx.deps.database.db, ctx.viewer.user.id);
  return ctx.viewer.user.passwordHash ? ["password", ...factors] : factors;
}

async function showReauth(ctx: SignedInContext, failure?: FormFailure): Promise<Response> {
  const methods = await reauthMethods(ctx);
  const state = { ...emptyForm(), errors: failure?.errors ?? {}, notice: failure?.notice ?? (methods.length === 0 ? { tone: "info" as const, text: "Your account has no password or second factor: sign out and sign in again to confirm it is you." } : undefined) };
  const props = { method: chosen(ctx, methods), methods, state, csrfToken: csrfTokenFor(ctx), next: nextOf(ctx) };
  return render(ctx, { title: "Confirm it is you", narrow: true, status: failure?.status, body: () => <ReauthPage {...props} /> });
}

async function submitReauth(ctx: SignedInContext): Promise<Response> {
  const method = ctx.form.method ?? "password";
  const proof: Reauthentication = method === "password" ? { password: ctx.form.password ?? "" } : ({ method, code: ctx.form.code ?? "" } as FactorProof);
  try {
    await reauthenticate(ctx.deps, ctx.viewer.auth, proof, ctx.client);
    return redirect(ctx, nextOf(ctx));
  } catch (error) {
    const failure = formFailure(error);
    if (failure.status === 400) failure.errors = { code: "That code is not correct." };
    return showReauth(ctx, failure);
  }
}

export function secondStepPages(env: WebEnv) {
  return pages(env)
    .get("/login/mfa", ({ page }) => (page.viewer ? redirect(page, nextOf(page)) : showStep(page)), { viewer: "optional" })
    .post("/login/mfa", ({ page }) => submitStep(page), { viewer: "optional", rateLimit: "login", expiredForm: (page) => showStep(page) })
    .get("/account/reauthenticate", ({ page }) => showReauth(signedIn(page)), { viewer: "required", factorSetup: true })
    .post("/account/reauthenticate", ({ page }) => submitReauth(signedIn(page)), { viewer: "required", factorSetup: true, rateLimit: "login" });
}
