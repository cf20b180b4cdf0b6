/** Sign in, sign up, sign out and sign out everywhere. */
import { Elysia } from "elysia";
import { AuthModel } from "../../modules/auth/model";
import { login, logout, logoutAll, register } from "../../modules/auth/service";
import { configuredProviders } from "../../modules/oauth/service";
import { REFRESH_COOKIE } from "../../modules/auth/guard";
import type { PageContext, WebEnv } from "../context";
import { emptyForm, expiredForm, type FormFailure, formFailure, hasErrors, invalid, validateForm } from "../forms";
import { safeNext } from "../next";
import { page, signedInPage } from "../page";
import { LoginForm, LoginPage, RegisterForm, RegisterPage } from "../pages/auth";
import { redirect, render } from "../respond";
import { endBrowserSession, setSessionCookies } from "../session";
import { issueCsrfToken } from "../csrf";
import type { Notice } from "../components/ui";

/** Fixed messages chosen by a query key, so no text from the URL is ever reflected. */
const LOGIN_NOTICES: Record<string, Notice> = {
  "signed-out": { tone: "success", text: "You have been signed out." },
  "signed-out-everywhere": { tone: "success", text: "You have been signed out on every device." },
  "password-reset": { tone: "success", text: "Your password has been reset. Sign in with the new one." },
  "email-verified": { tone: "success", text: "Your email address is verified. Sign in to continue." },
};

function showLogin(ctx: PageContext, failure?: FormFailure): Promise<Response> {
  const next = safeNext(ctx.form.next ?? ctx.url.searchParams.get("next"));
  const notice = failure?.notice ?? LOGIN_NOTICES[ctx.url.searchParams.get("notice") ?? ""];
  // Only the identifier is kept; the password is never sent back.
  const state = { ...emptyForm({ username_or_email: ctx.form.username_or_email ?? "" }), errors: failure?.errors ?? {}, notice };
  const props = { state, csrfToken: issueCsrfToken(ctx), next, providers: configuredProviders(ctx.deps) };
  return render(ctx, { title: "Sign in", narrow: true, status: failure?.status, body: () => <LoginPage {...props} />, fragment: () => <LoginForm {...props} /> });
}

function showRegister(ctx: PageContext, failure?: FormFailure): Promise<Response> {
  const next = safeNext(ctx.form.next ?? ctx.url.searchParams.get("next"));
  const values = { username: ctx.form.username ?? "", email: ctx.form.email ?? "" };
  const props = { state: { values, errors: failure?.errors ?? {}, notice: failure?.notice }, csrfToken: issueCsrfToken(ctx), next, providers: configuredProviders(ctx.deps) };
  return render(ctx, { title: "Create account", narrow: true, status: failure?.status, body: () => <RegisterPage {...props} />, fragment: () => <RegisterForm {...props} /> });
}

async function submitLogin(ctx: PageContext): Promise<Response> {
  const errors = validateForm(AuthModel.login, ctx.form);
  if (hasErrors(errors)) return showLogin(ctx, invalid(errors));
  try {
    const result = await login(ctx.deps, { usernameOrEmail: ctx.form.username_or_email!, password: ctx.form.password! }, ctx.client);
    setSessionCookies(ctx, result);
    return redirect(ctx, safeNext(ctx.form.next));
  } catch (error) {
    return showLogin(ctx, formFailure(error));
  }
}

async function submitRegister(ctx: PageContext): Promise<Response> {
  const errors = validateForm(AuthModel.register, ctx.form);
  if (hasErrors(errors)) return showRegister(ctx, invalid(errors));
  try {
    const input = { username: ctx.form.username!, email: ctx.form.email!, password: ctx.form.password! };
    const result = await register(ctx.deps, input, ctx.client);
    setSessionCookies(ctx, result);
    const next = safeNext(ctx.form.next);
    return redirect(ctx, next === "/dashboard" ? "/dashboard?notice=welcome" : next);
  } catch (error) {
    return showRegister(ctx, formFailure(error));
  }
}

async function submitLogout(ctx: PageContext): Promise<Response> {
  const refreshToken = ctx.cookies.get(REFRESH_COOKIE);
  if (ctx.viewer || refreshToken) await logout(ctx.deps, { claims: ctx.viewer?.auth.claims, refreshToken }, ctx.client);
  endBrowserSession(ctx);
  return redirect(ctx, "/login?notice=signed-out");
}

export function authPages(env: WebEnv) {
  const signedInGoesOn = (show: (ctx: PageContext) => Promise<Response>) => (ctx: PageContext) =>
    ctx.viewer ? redirect(ctx, safeNext(ctx.url.searchParams.get("next"))) : show(ctx);
  return new Elysia({ detail: { hide: true } })
    .get("/login", page(env, signedInGoesOn((ctx) => showLogin(ctx))))
    .post("/login", page(env, submitLogin, { bucket: "login", onExpiredForm: (ctx) => showLogin(ctx, expiredForm()) }))
    .get("/register", page(env, signedInGoesOn((ctx) => showRegister(ctx))))
    .post("/register", page(env, submitRegister, { bucket: "register", onExpiredForm: (ctx) => showRegister(ctx, expiredForm()) }))
    .post("/logout", page(env, submitLogout))
    .post(
      "/logout-all",
      signedInPage(env, async (ctx) => {
        await logoutAll(ctx.deps, ctx.viewer.auth, ctx.client);
        endBrowserSession(ctx);
        return redirect(ctx, "/login?notice=signed-out-everywhere");
      }),
    );
}
