/**
 * What a page handler sees: the request, the form, who is signed in, the CSRF token, how
 * htmx asked, and a place for the cookies and headers of the answer. Pages build their own
 * Response objects; Elysia adds the security headers and the request id on the way out.
 */
import type { User } from "../db/schema";
import type { Deps } from "../deps";
import { clientInfo, requestMeta } from "../http/context";
import type { RateLimiter } from "../http/rate-limit";
import type { AuthContext } from "../modules/auth/service";
import type { ClientInfo } from "../modules/auth/sessions";
import type { AssetManifest } from "./assets";

/** What every page route shares, made once in webRoutes. */
export interface WebEnv {
  deps: Deps;
  limiter: RateLimiter;
  assets: AssetManifest;
  /** Cookies are Secure when the app is served over https or in production. */
  secureCookies: boolean;
}

export interface Viewer {
  auth: AuthContext;
  user: User;
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
  viewer: Viewer | null;
  /** The CSRF token for forms on this page; set once the viewer is known. */
  csrfToken: string;
  cookies: CookieJar;
  /** Extra headers for whatever response the handler returns. */
  headers: Headers;
}

/** The few Elysia context fields a page needs. */
export interface RawContext {
  request: Request;
  body: unknown;
  params: Record<string, string>;
}

export function htmxInfo(headers: Headers): HtmxInfo {
  const request = headers.get("hx-request") === "true";
  const boosted = headers.get("hx-boosted") === "true";
  const historyRestore = headers.get("hx-history-restore-request") === "true";
  return { request, boosted, historyRestore, target: headers.get("hx-target"), trigger: headers.get("hx-trigger"), partial: request && !boosted && !historyRestore };
}

/** Urlencoded or multipart bodies arrive parsed by Elysia; only string fields are kept. */
export function formValues(body: unknown): FormValues {
  const values: FormValues = {};
  if (body instanceof FormData) {
    for (const [key, value] of body.entries()) if (typeof value === "string" && !(key in values)) values[key] = value;
    return values;
  }
  if (typeof body !== "object" || body === null) return values;
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === "string") values[key] = value;
    else if (Array.isArray(value) && typeof value[0] === "string") values[key] = value[0];
  }
  return values;
}

export interface CookieOptions {
  maxAge: number;
  httpOnly?: boolean;
}

/** Reads the request's cookies and collects the Set-Cookie lines of the answer. */
export class CookieJar {
  private readonly incoming: Bun.CookieMap;
  readonly outgoing = new Map<string, string>();

  constructor(
    header: string | null,
    private readonly secure: boolean,
  ) {
    this.incoming = new Bun.CookieMap(header ?? "");
  }

  get(name: string): string | undefined {
    const value = this.incoming.get(name);
    return value ? value : undefined;
  }

  set(name: string, value: string, options: CookieOptions): void {
    const cookie = new Bun.Cookie(name, value, { path: "/", sameSite: "lax", httpOnly: options.httpOnly ?? true, secure: this.secure, maxAge: options.maxAge });
    this.outgoing.set(name, cookie.serialize());
    this.incoming.set(name, value);
  }

  remove(name: string): void {
    if (!this.incoming.has(name) && !this.outgoing.has(name)) return;
    this.set(name, "", { maxAge: 0 });
    this.incoming.delete(name);
  }

  applyTo(headers: Headers): void {
    for (const line of this.outgoing.values()) headers.append("set-cookie", line);
  }
}

export function baseContext(env: WebEnv, raw: RawContext): PageContext {
  const { request } = raw;
  return {
    env,
    deps: env.deps,
    request,
    url: new URL(request.url),
    params: raw.params ?? {},
    form: request.method === "GET" ? {} : formValues(raw.body),
    client: clientInfo(request),
    ip: requestMeta(request)?.ip ?? "unknown",
    htmx: htmxInfo(request.headers),
    viewer: null,
    csrfToken: "",
    cookies: new CookieJar(request.headers.get("cookie"), env.secureCookies),
    headers: new Headers(),
  };
}

/** The query string as plain strings (the first value of a repeated name). */
export function queryValue(ctx: PageContext, name: string): string | undefined {
  return ctx.url.searchParams.get(name) ?? undefined;
}
