/**
 * Passkey pages (docs/passkeys.md): /login/passkey[/options] for the passwordless sign-in, and
 * /account/passkeys[...] for the account's passkeys. The two `options` routes answer JSON to
 * public/passkeys.js (CSRF token in the X-CSRF-Token header, checked by the `viewer` macro);
 * every other route is an ordinary form post answered with a redirect, so the browser ends on
 * a page whatever happened.
 */
import { AppError, notFound } from "../../errors";
import { AssertionCredential, RegistrationCredential } from "../../modules/passkeys/model";
import { finishRegistration, listPasskeys, removePasskey, renamePasskey, startRegistration } from "../../modules/passkeys/service";
import { passkeyLogin, passkeyLoginOptions } from "../../modules/passkeys/sign-in";
import { textProblem } from "../../http/text";
import { type Notice, noticeFrom } from "../components/ui";
import { csrfTokenFor, type PageContext, startBrowserSession, type WebEnv } from "../context";
import { formFailure } from "../forms";
import { credentialField, passkeyJson } from "../passkey-answer";
import { safeNext, withNext } from "../next";
import { pages, type SignedInContext, signedIn } from "../plugin";
import { PasskeysCard, TEXT } from "../pages/passkeys";
import { redirect, render } from "../respond";

/** Where the account's passkeys are managed (the card's forms come back here). */
export const PASSKEYS_PAGE = "/account/passkeys";

async function showPasskeys(ctx: SignedInContext, notice?: Notice, status?: number, recoveryCodes?: string[]): Promise<Response> {
  const props = { recoveryCodes, passkeys: await listPasskeys(ctx.deps.database.db, ctx.viewer.user.id), csrfToken: csrfTokenFor(ctx), now: ctx.deps.clock.now(), notice: notice ?? noticeFrom(TEXT.notices, ctx.url.searchParams.get("notice")) };
  // Reached from the security page's passkeys card: the nav shows Security.
  return render(ctx, { title: TEXT.title, section: "security", status, body: () => <PasskeysCard {...props} /> });
}

const factorActor = (ctx: SignedInContext) => ({ userId: ctx.viewer.user.id, sessionId: ctx.viewer.auth.sessionId, client: ctx.client });

/** Runs a card action: a redirect with its notice, or the card again with the refusal. */
async function cardAction(ctx: SignedInContext, action: () => Promise<unknown>, notice: keyof typeof TEXT.notices): Promise<Response> {
  try {
    await action();
  } catch (error) {
    const failure = formFailure(error);
    return showPasskeys(ctx, failure.notice, failure.status);
  }
  return redirect(ctx, `${PASSKEYS_PAGE}?notice=${notice}`);
}

async function submitRegistration(ctx: SignedInContext): Promise<Response> {
  let recoveryCodes: string[];
  try {
    const credential = credentialField(ctx, RegistrationCredential);
    ({ recoveryCodes } = await finishRegistration(ctx.deps, factorActor(ctx), { name: validName(ctx.form.name, true), credential }));
  } catch (error) {
    const failure = formFailure(error);
    return showPasskeys(ctx, failure.notice, failure.status);
  }
  // The account's first factor brings recovery codes: they exist only in this answer, so no redirect.
  if (recoveryCodes.length > 0) return showPasskeys(ctx, TEXT.notices["passkey-added"], 201, recoveryCodes);
  return redirect(ctx, `${PASSKEYS_PAGE}?notice=passkey-added`);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A path id that is not a UUID names no passkey (and must not reach the database as one): the service's own not-found. */
function passkeyId(ctx: PageContext): string {
  const id = ctx.params.id ?? "";
  if (!UUID.test(id)) throw notFound("Passkey");
  return id;
}

/** The API's rule for a name (1–100 characters of plain text); optional when adding. */
function validName(raw: string | undefined, optional: boolean): string | undefined {
  const name = raw?.trim() ?? "";
  if (name === "" && optional) return undefined;
  if (name === "" || [...name].length > 100 || textProblem(name)) throw new AppError("validation_error", TEXT.invalidName.message, { fields: { name: TEXT.invalidName.field } });
  return name;
}

async function submitLogin(ctx: PageContext): Promise<Response> {
  const next = safeNext(ctx.form.next);
  try {
    const credential = credentialField(ctx, AssertionCredential);
    const result = await passkeyLogin(ctx.deps, { challengeId: ctx.form.challenge_id ?? "", credential }, ctx.client);
    startBrowserSession(ctx, result);
    return redirect(ctx, next);
  } catch (error) {
    if (!(error instanceof AppError) || error.status >= 500) throw error;
    const notice = error.kind === "account_disabled" ? "account-disabled" : error.kind === "rate_limited" ? "too-many-attempts" : "passkey-failed";
    return redirect(ctx, withNext(`/login?notice=${notice}`, next));
  }
}

export function passkeyPages(env: WebEnv) {
  return pages(env)
    .post("/login/passkey/options", async ({ page }) => {
      const { challengeId, options } = await passkeyLoginOptions(page.deps);
      return passkeyJson(page, { challenge_id: challengeId, options });
    }, { viewer: "optional", rateLimit: "login" })
    .post("/login/passkey", ({ page }) => submitLogin(page), { viewer: "optional", rateLimit: "login" })
    .get(PASSKEYS_PAGE, ({ page }) => showPasskeys(signedIn(page)), { viewer: "required", factorSetup: true })
    .post(`${PASSKEYS_PAGE}/options`, async ({ page }) => {
      const ctx = signedIn(page);
      return passkeyJson(ctx, { options: await startRegistration(ctx.deps, ctx.viewer.auth) });
    }, { viewer: "required", recentAuth: true, factorSetup: true, rateLimit: "api" })
    .post(PASSKEYS_PAGE, ({ page }) => submitRegistration(signedIn(page)), { viewer: "required", recentAuth: true, factorSetup: true, rateLimit: "api" })
    .post(`${PASSKEYS_PAGE}/:id/rename`, ({ page }) => {
      const ctx = signedIn(page);
      return cardAction(ctx, () => renamePasskey(ctx.deps, ctx.viewer.user.id, passkeyId(ctx), validName(ctx.form.name, false)!), "passkey-renamed");
    }, { viewer: "required", rateLimit: "api" })
    .post(`${PASSKEYS_PAGE}/:id/delete`, ({ page }) => {
      const ctx = signedIn(page);
      return cardAction(ctx, () => removePasskey(ctx.deps, factorActor(ctx), passkeyId(ctx)), "passkey-removed");
    }, { viewer: "required", recentAuth: true, rateLimit: "api" });
}
