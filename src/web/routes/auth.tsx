/** /login, /register, /logout and /logout-all. */
import { isImpersonated } from "../../http/recent-auth";
import { AuthModel } from "../../modules/auth/model";
import { login, logout, logoutAll, register } from "../../modules/auth/service";
import { configuredProviders } from "../../modules/oauth/service";
import { REFRESH_COOKIE, restoreOwnSessionCookies } from "../../http/session";
import { csrfTokenFor, endBrowserSession, type PageContext, startBrowserSession, type WebEnv } from "../context";
import { emptyForm, expiredForm, type FormFailure, formFailure, hasErrors, invalid, validateForm } from "../forms";
import { safeNext } from "../next";
import { pages, signedIn } from "../plugin";
import { LoginForm, LoginPage, RegisterForm, RegisterPage, TEXT } from "../pages/auth";
import { redirect, render } from "../respond";
import { noticeFrom } from "../components/ui";
import { challengeOf, goToSecondStep } from "../second-step";

function showLogin(ctx: PageContext, failure?: FormFailure): Promise<Response> {
  const next = safeNext(ctx.form.next ?? ctx.url.searchParams.get("next"));
  const notice = failure?.notice ?? noticeFrom(TEXT.login.notices, ctx.url.searchParams.get("notice"));
  // Only the identifier is kept; the password is never sent back.
  const state = { ...emptyForm({ username_or_email: ctx.form.username_or_email ?? "" }), errors: failure?.errors ?? {}, notice };
  const props = { state, csrfToken: csrfTokenFor(ctx), next, providers: configuredProviders(ctx.deps) };
  return render(ctx, { title: TEXT.login.title, narrow: true, status: failure?.status, body: () => <LoginPage {...props} />, fragment: () => <LoginForm {...props} /> });
}

function showRegister(ctx: PageContext, failure?: FormFailure): Promise<Response> {
  const next = safeNext(ctx.form.next ?? ctx.url.searchParams.get("next"));
  const values = { username: ctx.form.username ?? "", email: ctx.form.email ?? "" };
  const props = { state: { values, errors: failure?.errors ?? {}, notice: failure?.notice }, csrfToken: csrfTokenFor(ctx), next, providers: configuredProviders(ctx.deps) };
  return render(ctx, { title: TEXT.register.title, narrow: true, status: failure?.status, body: () => <RegisterPage {...props} />, fragment: () => <RegisterForm {...props} /> });
}

async function submitLogin(ctx: PageContext): Promise<Response> {
  const errors = validateForm(AuthModel.login, ctx.form);
  if (hasErrors(errors)) return showLogin(ctx, invalid(errors));
  try {
    const result = await login(ctx.deps, { usernameOrEmail: ctx.form.username_or_email!, password: ctx.form.password! }, ctx.client);
    startBrowserSession(ctx, result);
    return redirect(ctx, safeNext(ctx.form.next));
  } catch (error) {
    const challenge = challengeOf(error);
    if (challenge) return goToSecondStep(ctx, challenge, safeNext(ctx.form.next));
    return showLogin(ctx, formFailure(error));
  }
}

async function submitRegister(ctx: PageContext): Promise<Response> {
  const errors = validateForm(AuthModel.register, ctx.form);
  if (hasErrors(errors)) return showRegister(ctx, invalid(errors));
  try {
    const input = { username: ctx.form.username!, email: ctx.form.email!, password: ctx.form.password! };
    const result = await register(ctx.deps, input, ctx.client);
    startBrowserSession(ctx, result);
    const next = safeNext(ctx.form.next);
    return redirect(ctx, next === "/dashboard" ? "/dashboard?notice=welcome" : next);
  } catch (error) {
    return showRegister(ctx, formFailure(error));
  }
}

async function submitLogout(ctx: PageContext): Promise<Response> {
  const refreshToken = ctx.cookies.get(REFRESH_COOKIE);
  if (ctx.viewer || refreshToken) await logout(ctx.deps, { claims: ctx.viewer?.auth.claims, refreshToken }, ctx.client);
  // Signing out of an impersonation is stopping it: the administrator's own session comes back.
  const impersonated = ctx.viewer && isImpersonated(ctx.viewer.auth) ? ctx.viewer.user.id : undefined;
  endBrowserSession(ctx);
  if (impersonated && restoreOwnSessionCookies(ctx.cookies, ctx.deps.config)) return redirect(ctx, `/admin/users/${impersonated}`);
  return redirect(ctx, "/login?notice=signed-out");
}

async function submitLogoutAll(ctx: PageContext): Promise<Response> {
  await logoutAll(ctx.deps, signedIn(ctx).viewer.auth, ctx.client);
  endBrowserSession(ctx);
  return redirect(ctx, "/login?notice=signed-out-everywhere");
}

/** Signed in already: the sign-in and sign-up forms go straight on to where they would lead. */
const signedInGoesOn = (ctx: PageContext, show: (ctx: PageContext) => Promise<Response>) => (ctx.viewer ? redirect(ctx, safeNext(ctx.url.searchParams.get("next"))) : show(ctx));

export function authPages(env: WebEnv) {
  return pages(env)
    .get("/login", ({ page }) => signedInGoesOn(page, showLogin), { viewer: "optional" })
    .post("/login", ({ page }) => submitLogin(page), { viewer: "optional", rateLimit: "login", expiredForm: (page) => showLogin(page, expiredForm()) })
    .get("/register", ({ page }) => signedInGoesOn(page, showRegister), { viewer: "optional" })
    .post("/register", ({ page }) => submitRegister(page), { viewer: "optional", rateLimit: "register_attempt", expiredForm: (page) => showRegister(page, expiredForm()) })
    .post("/logout", ({ page }) => submitLogout(page), { viewer: "optional", rateLimit: "api" })
    .post("/logout-all", ({ page }) => submitLogoutAll(page), { viewer: "required", notImpersonated: true, rateLimit: "api" });
}
