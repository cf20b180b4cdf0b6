/**
 * What a page handler sees: the request, the form, who is signed in, how htmx asked, and a
 * place for the headers of the answer. It is derived once per page request by the pages plugin
 * (./plugin.ts); the browser session itself is the `viewer` macro's (src/http/session.ts).
 * Pages build their own Response objects; cookies set through `cookies` and the security headers
 * and request id are added on the way out.
 */
import type { Cookie } from "elysia";
import type { Deps } from "../deps";
import { clientInfo, requestMeta } from "../http/context";
import { type CookieAccess, cookieAccess } from "../http/cookies";
import { issueCsrfToken } from "../http/origin";
import { clearSessionCookies, setSessionCookies, setViewer, type Viewer, viewerOf } from "../http/session";
import type { SignedIn } from "../modules/auth/service";
import type { ClientInfo } from "../modules/auth/sessions";
import type { AssetManifest } from "./assets";

export type { Viewer } from "../http/session";

/** What every page route shares, made once in webRoutes. */
export interface WebEnv {
  deps: Deps;
  assets: AssetManifest;
}
/** How htmx made the request (https://htmx.org/reference/#request_headers, htmx 2). */
export interface HtmxInfo {
  request: boolean;
  boosted: boolean;
  historyRestore: boolean;
  /** The id of the element the response will be swapped into, if any. */
  target: string | null;
  /** The id of the element that triggered the request, if any. */
  trigger: string | null;
  /** True when only a fragment is wanted: an htmx request that is not a full-page navigation. */
  partial: boolean;
}

export type FormValues = Record<string, string>;

export interface PageContext {
  env: WebEnv;
  deps: Deps;
  request: Request;
  url: URL;
  params: Record<string, string>;
  form: FormValues;
  client: ClientInfo;
  ip: string;
  htmx: HtmxInfo;
  /** The signed-in browser session, or null; a page that signs the browser out sets it to null. */
  viewer: Viewer | null;
  cookies: CookieAccess;
  /** Extra headers for whatever response the handler returns. */
  headers: Headers;
}

/** The few Elysia context fields a page needs. */
export interface RawContext {
  request: Request;
  body: unknown;
  params: Record<string, string | undefined>;
  cookie: Record<string, Cookie<unknown>>;
}

export function htmxInfo(headers: Headers): HtmxInfo {
  const request = headers.get("hx-request") === "true";
  const boosted = headers.get("hx-boosted") === "true";
  const historyRestore = headers.get("hx-history-restore-request") === "true";
  return { request, boosted, historyRestore, target: headers.get("hx-target"), trigger: headers.get("hx-trigger"), partial: request && !boosted && !historyRestore };
}

/**
 * Urlencoded or multipart bodies arrive parsed by Elysia; only string fields are kept, the first
 * of a repeated one (own keys: `key in values` would also find "constructor" and drop that field).
 */
export function formValues(body: unknown): FormValues {
  const values: FormValues = {};
  if (body instanceof FormData) {
    for (const [key, value] of body.entries()) if (typeof value === "string" && !Object.hasOwn(values, key)) values[key] = value;
    return values;
  }
  if (typeof body !== "object" || body === null) return values;
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === "string") values[key] = value;
    else if (Array.isArray(value) && typeof value[0] === "string") values[key] = value[0];
  }
  return values;
}

export function pageContext(env: WebEnv, raw: RawContext): PageContext {
  const { request } = raw;
  return {
    env,
    deps: env.deps,
    request,
    url: new URL(request.url),
    params: Object.fromEntries(Object.entries(raw.params ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined)),
    form: request.method === "GET" ? {} : formValues(raw.body),
    client: clientInfo(request),
    ip: requestMeta(request)?.ip ?? "unknown",
    htmx: htmxInfo(request.headers),
    get viewer() {
      return viewerOf(request);
    },
    set viewer(viewer: Viewer | null) {
      setViewer(request, viewer);
    },
    cookies: cookieAccess(raw.cookie, env.deps.config),
    headers: new Headers(),
  };
}

/** The CSRF token for this page's forms, bound to the browser and its session. */
export const csrfTokenFor = (ctx: PageContext) => issueCsrfToken(ctx.deps.config, ctx.cookies, ctx.viewer?.auth.sessionId);

/** The query string as plain strings (the first value of a repeated name). */
export function queryValue(ctx: PageContext, name: string): string | undefined {
  return ctx.url.searchParams.get(name) ?? undefined;
}

/** After a sign-in on a page: the browser holds both tokens as cookies. */
export function startBrowserSession(ctx: PageContext, result: SignedIn): void {
  setSessionCookies(ctx.cookies, ctx.deps.config, result, { access: true });
}

/** After sign-out: no cookies, and the rest of this response is rendered for a visitor. */
export function endBrowserSession(ctx: PageContext): void {
  clearSessionCookies(ctx.cookies);
  ctx.viewer = null;
}
