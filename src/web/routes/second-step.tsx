/**
 * /login/mfa (the second step of a sign-in, with the `mfa_token` in its HttpOnly cookie) and
 * /account/reauthenticate (the "confirm it is you" prompt that sensitive pages send a stale
 * session to, which returns to where the user was). docs/mfa.md. A user with a passkey also
 * gets "Use a passkey": its options routes here bind the challenge to the step (the cookie's
 * mfa_token) or to the session, and the answer comes back to the same POST as the codes, as
 * `method=passkey` with the browser's `credential`.
 */
import { AppError } from "../../errors";
import { factorMethods } from "../../modules/mfa/factors";
import { MfaModel } from "../../modules/mfa/model";
import { type Reauthentication, reauthenticate } from "../../modules/mfa/service";
import { findSignInStep, verifySignInStep } from "../../modules/mfa/sign-in-step";
import type { FactorProof } from "../../modules/mfa/verifiers";
import { passkeyFactorOptions } from "../../modules/passkeys/factor";
import { AssertionCredential } from "../../modules/passkeys/model";
import { type PageContext, csrfTokenFor, startBrowserSession, type WebEnv } from "../context";
import type { Notice } from "../components/ui";
import { emptyForm, type FormFailure, formFailure, hasErrors, invalid, validateForm } from "../forms";
import { safeNext } from "../next";
import { credentialField, passkeyJson } from "../passkey-answer";
import { pages, type SignedInContext, signedIn } from "../plugin";
import { PasskeyStepForm } from "../pages/passkeys";
import { MfaStepPage, ReauthPage, TEXT, typesIntoForm } from "../pages/second-step";
import { redirect, render } from "../respond";
import { MFA_COOKIE } from "../second-step";

const nextOf = (ctx: PageContext) => safeNext(ctx.form.next ?? ctx.url.searchParams.get("next"));
/** The form to show: the method asked for (query on GET, form on POST) when the user has it, else the first they have that types into a form. */
const chosen = (ctx: PageContext, methods: string[]): string | undefined => {
  const typed = methods.filter(typesIntoForm);
  const asked = ctx.form.method ?? ctx.url.searchParams.get("method") ?? "";
  return typed.includes(asked) ? asked : typed[0];
};

/** The proof a form post carries: the browser's passkey answer, or a typed code. */
const proofOf = (ctx: PageContext, method: string): FactorProof =>
  method === "passkey" ? { method: "passkey", credential: credentialField(ctx, AssertionCredential) } : ({ method, code: ctx.form.code ?? "" } as FactorProof);

/** The step is over (expired, spent, dead, another browser's): back to the password. */
function startOver(ctx: PageContext, notice: "mfa-expired" | "mfa-failed"): Response {
  ctx.cookies.remove(MFA_COOKIE);
  return redirect(ctx, `/login?notice=${notice}`);
}

/**
 * What both step pages show: the chosen method's form, and "Use a passkey" when the user has
 * one, whose options come from `${action}/passkey/options` and whose answer posts to `action`.
 */
function stepProps(ctx: PageContext, methods: string[], shown: { failure?: FormFailure; notice?: Notice }, page: { action: string; words: { passkeyNoScript: string; passkeyOnlyNoScript: string } }) {
  const state = { ...emptyForm(), errors: shown.failure?.errors ?? {}, notice: shown.notice };
  const csrfToken = csrfTokenFor(ctx);
  const next = nextOf(ctx);
  const method = chosen(ctx, methods);
  const noScriptText = method ? page.words.passkeyNoScript : page.words.passkeyOnlyNoScript;
  const passkeySlot = methods.includes("passkey") ? <PasskeyStepForm action={page.action} optionsUrl={`${page.action}/passkey/options`} csrfToken={csrfToken} next={next} noScriptText={noScriptText} /> : undefined;
  return { method, methods, state, csrfToken, next, passkeySlot };
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
  const props = stepProps(ctx, methods, { failure, notice: failure?.notice }, { action: "/login/mfa", words: TEXT.mfa });
  return render(ctx, { title: TEXT.mfa.title, narrow: true, status: failure?.status, body: () => <MfaStepPage {...props} /> });
}

async function submitStep(ctx: PageContext): Promise<Response> {
  const token = ctx.cookies.get(MFA_COOKIE);
  if (!token) return startOver(ctx, "mfa-expired");
  const method = ctx.form.method ?? "totp";
  if (method !== "passkey") {
    const errors = validateForm(MfaModel.totpEnable, ctx.form);
    if (hasErrors(errors)) return showStep(ctx, invalid(errors));
  }
  try {
    const result = await verifySignInStep(ctx.deps, token, proofOf(ctx, method), ctx.client);
    ctx.cookies.remove(MFA_COOKIE);
    startBrowserSession(ctx, result);
    return redirect(ctx, nextOf(ctx));
  } catch (error) {
    if (error instanceof AppError && error.kind === "invalid_token") return startOver(ctx, "mfa-expired");
    if (error instanceof AppError && error.kind === "invalid_mfa_code") {
      const left = Number(error.details.attempts_left ?? 0);
      if (left <= 0) return startOver(ctx, "mfa-failed");
      if (method === "passkey") return showStep(ctx, { status: 401, errors: {}, notice: { tone: "error", text: TEXT.passkeyRefusedAttemptsLeft(left) } });
      return showStep(ctx, { status: 401, errors: { code: TEXT.wrongCodeAttemptsLeft(left) }, notice: { tone: "error", text: TEXT.wrongCode } });
    }
    return showStep(ctx, formFailure(error));
  }
}

/** Passkey options bound to the step of the browser's mfa_token (the API's POST /auth/mfa/passkey/options). */
async function stepPasskeyOptions(ctx: PageContext): Promise<Response> {
  const step = await findSignInStep(ctx.deps, ctx.cookies.get(MFA_COOKIE) ?? "", ctx.client);
  return passkeyJson(ctx, { options: await passkeyFactorOptions(ctx.deps, step.userId, { kind: "sign_in", challengeId: step.id }) });
}

/** The ways this user can confirm: the password (when the account has one), then its factors. */
async function reauthMethods(ctx: SignedInContext): Promise<string[]> {
  const factors = await factorMethods(ctx.deps.database.db, ctx.viewer.user.id);
  return ctx.viewer.user.passwordHash ? ["password", ...factors] : factors;
}

async function showReauth(ctx: SignedInContext, failure?: FormFailure): Promise<Response> {
  const methods = await reauthMethods(ctx);
  const notice = failure?.notice ?? (methods.length === 0 ? TEXT.reauth.noMethods : undefined);
  const props = stepProps(ctx, methods, { failure, notice }, { action: "/account/reauthenticate", words: TEXT.reauth });
  return render(ctx, { title: TEXT.reauth.title, narrow: true, status: failure?.status, body: () => <ReauthPage {...props} /> });
}

async function submitReauth(ctx: SignedInContext): Promise<Response> {
  const method = ctx.form.method ?? "password";
  try {
    const proof: Reauthentication = method === "password" ? { password: ctx.form.password ?? "" } : proofOf(ctx, method);
    await reauthenticate(ctx.deps, ctx.viewer.auth, proof, ctx.client);
    return redirect(ctx, nextOf(ctx));
  } catch (error) {
    const failure = formFailure(error);
    if (method === "passkey" && failure.status === 400) failure.notice = { tone: "error", text: TEXT.passkeyRefusedTryAgain };
    else if (failure.status === 400) failure.errors = { code: TEXT.wrongCode };
    return showReauth(ctx, failure);
  }
}

export function secondStepPages(env: WebEnv) {
  return pages(env)
    .get("/login/mfa", ({ page }) => (page.viewer ? redirect(page, nextOf(page)) : showStep(page)), { viewer: "optional" })
    .post("/login/mfa", ({ page }) => submitStep(page), { viewer: "optional", rateLimit: "login", expiredForm: (page) => showStep(page) })
    .post("/login/mfa/passkey/options", ({ page }) => stepPasskeyOptions(page), { viewer: "optional", rateLimit: "login" })
    .get("/account/reauthenticate", ({ page }) => showReauth(signedIn(page)), { viewer: "required", factorSetup: true })
    .post("/account/reauthenticate", ({ page }) => submitReauth(signedIn(page)), { viewer: "required", factorSetup: true, rateLimit: "login" })
    .post("/account/reauthenticate/passkey/options", async ({ page }) => {
      const ctx = signedIn(page);
      return passkeyJson(ctx, { options: await passkeyFactorOptions(ctx.deps, ctx.viewer.user.id, { kind: "session", sessionId: ctx.viewer.auth.sessionId }) });
    }, { viewer: "required", factorSetup: true, rateLimit: "login" });
}
