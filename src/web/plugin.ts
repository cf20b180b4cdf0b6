/**
 * What every page route module `.use`s: the policy macros (`viewer`, `rateLimit`, from
 * src/http/policy.ts), the page context derived once per request, `expiredForm`, and friendly
 * pages instead of JSON for whatever a page handler throws. A page route is then an ordinary
 * handler whose policy is declared next to it:
 *
 *   .post("/login", ({ page }) => submitLogin(page), { viewer: "optional", rateLimit: "login", expiredForm: showLoginAgain })
 */
import { Elysia } from "elysia";
import { AppError } from "../errors";
import { answerErrorsWith } from "../http/errors";
import { urlTextProblems } from "../http/text";
import { CsrfError } from "../http/origin";
import { policy } from "../http/policy";
import { SignInRequired, type Viewer } from "../http/session";
import { type PageContext, pageContext, type WebEnv } from "./context";
import { loginUrl, sameOriginReferrer, withNotice } from "./next";
import { redirect, renderError } from "./respond";

export type SignedInContext = PageContext & { viewer: Viewer };

/** What every page says about an address it refuses (docs/pages.md). */
const TEXT = {
  unallowedCharacters: "This address contains characters that are not allowed. Check the link and try again.",
} as const;

/** The page context of a route declared with `viewer: "required"` or `"admin"`. */
export function signedIn(page: PageContext): SignedInContext {
  if (!page.viewer) throw new SignInRequired();
  return page as SignedInContext;
}

type ShowForm = (page: PageContext) => Promise<Response>;

/** Routes that show their form again when its CSRF token has expired (declared with `expiredForm`). */
const expiredForms = new WeakMap<Request, ShowForm>();

/** Where the user was: the page itself for a GET, else the page the form was on (our own Referer), else `fallback`. */
const whereTheUserWas = (page: PageContext, fallback: string) => (page.request.method === "GET" ? `${page.url.pathname}${page.url.search}` : (sameOriginReferrer(page) ?? fallback));

async function pageError(page: PageContext, error: unknown): Promise<Response> {
  if (error instanceof SignInRequired) {
    if (page.request.method === "GET") return redirect(page, loginUrl(`${page.url.pathname}${page.url.search}`));
    // A form sent from a page whose session has ended since (signed out elsewhere, expired).
    return redirect(page, withNotice(loginUrl(sameOriginReferrer(page) ?? "/dashboard"), "session-ended"));
  }
  // A sensitive change on a session that has not authenticated lately: confirm, then come back.
  if (error instanceof AppError && error.kind === "reauthentication_required") {
    return redirect(page, `/account/reauthenticate?next=${encodeURIComponent(whereTheUserWas(page, "/account/security"))}`);
  }
  // MFA_REQUIRED_ROLES: nothing but the factor setup until there is a factor.
  if (error instanceof AppError && error.kind === "mfa_setup_required") return redirect(page, "/account/security?notice=mfa-setup-required");
  const showForm = expiredForms.get(page.request);
  // A same-origin form whose token no longer matches (the tab was open across a sign-in or
  // sign-out elsewhere): show it again with what was typed (never a password) and a fresh token,
  // instead of an error page that loses it. Nothing is done with the values.
  if (showForm && error instanceof CsrfError && error.reason === "token") {
    try {
      return await showForm(page);
    } catch (inner) {
      return renderError(page, inner);
    }
  }
  return renderError(page, error);
}

export function pages(env: WebEnv) {
  return new Elysia({ detail: { hide: true } })
    .use(policy(env.deps))
    .macro({
      expiredForm: (showForm: ShowForm) => ({
        transform({ request }) {
          expiredForms.set(request, showForm);
        },
      }),
    })
    .derive({ as: "scoped" }, (raw) => {
      const page = pageContext(env, raw);
      answerErrorsWith(raw.request, (error) => pageError(page, error));
      // The text rule (docs/security.md, "Text input") for the URL's path and query parameters,
      // which no schema describes on pages: a friendly 422 page before any handler reads them.
      const fields = urlTextProblems(page.params, page.url.searchParams);
      if (Object.keys(fields).length > 0) throw new AppError("validation_error", TEXT.unallowedCharacters, { fields });
      return { page };
    });
}
