/**
 * Social sign-in test world: Cobalt on a port known in advance (its redirect URIs are
 * registered at the providers), a real OpenID Provider as Google, another as a generic issuer
 * ("Acme"), and the GitHub-shaped fake. `FetchBrowser` is a cookie-keeping fetch that follows
 * redirects across all of them and fills in the providers' own login and consent pages.
 */
import { type Env } from "../../src/config";
import { startTestApp, type TestApp } from "./app";
import { RELAXED_LIMITS } from "./auth";
import { type GithubFake, startGithubFake } from "./github-fake";
import { startOp, type TestOp } from "./oidc-provider";

export async function freePort(): Promise<number> {
  const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response(null) });
  const port = probe.port!;
  await probe.stop(true);
  return port;
}

export interface OAuthWorld {
  app: TestApp;
  google: TestOp;
  acme: TestOp;
  github: GithubFake;
  /** A second app on the same providers, e.g. with another timeout; stopped with the world. */
  stop(): Promise<void>;
}

export function oauthEnv(google: TestOp, acme: TestOp, github: GithubFake): Env {
  return {
    OAUTH_GOOGLE_CLIENT_ID: google.clientId,
    OAUTH_GOOGLE_CLIENT_SECRET: google.clientSecret,
    OAUTH_GOOGLE_ISSUER: google.issuer,
    OAUTH_ACME_ISSUER: acme.issuer,
    OAUTH_ACME_CLIENT_ID: acme.clientId,
    OAUTH_ACME_CLIENT_SECRET: acme.clientSecret,
    OAUTH_ACME_NAME: "Acme SSO",
    ...github.env,
  };
}

export async function startOAuthWorld(env: Env = {}): Promise<OAuthWorld> {
  const port = await freePort();
  const appUrl = `http://127.0.0.1:${port}`;
  const [google, acme] = await Promise.all([
    startOp({ redirectUris: [`${appUrl}/oauth/google/callback`] }),
    startOp({ redirectUris: [`${appUrl}/oauth/acme/callback`], clientId: "acme-client", clientSecret: "acme-secret-0123456789abcdef" }),
  ]);
  const github = startGithubFake();
  const app = await startTestApp({ port, env: { ...RELAXED_LIMITS, APP_URL: appUrl, CORS_ORIGINS: appUrl, ...oauthEnv(google, acme, github), ...env } });
  return {
    app,
    google,
    acme,
    github,
    async stop() {
      await app.stop();
      await Promise.all([google.close(), acme.close()]);
      github.close();
    },
  };
}

export interface Visit {
  url: string;
  status: number;
  html: string;
}

/** A small browser: cookies per host, redirects followed, the providers' forms filled in. */
export class FetchBrowser {
  readonly jars = new Map<string, Map<string, string>>();
  /** Every URL visited, in order (redirect hops included). */
  readonly history: string[] = [];

  private jar(url: URL): Map<string, string> {
    let jar = this.jars.get(url.host);
    if (!jar) this.jars.set(url.host, (jar = new Map()));
    return jar;
  }

  cookie(origin: string, name: string): string | undefined {
    return this.jar(new URL(origin)).get(name);
  }

  /** Drops every cookie of a site (e.g. to sign out at a provider). */
  forget(origin: string): void {
    this.jars.delete(new URL(origin).host);
  }

  setCookie(origin: string, name: string, value: string): void {
    this.jar(new URL(origin)).set(name, value);
  }

  private remember(url: URL, response: Response): void {
    const jar = this.jar(url);
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const index = pair!.indexOf("=");
      const name = pair!.slice(0, index).trim();
      const value = pair!.slice(index + 1).trim();
      const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute)) || value === "";
      if (expired) jar.delete(name);
      else jar.set(name, value);
    }
  }

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const target = new URL(url);
    const cookies = [...this.jar(target)].map(([name, value]) => `${name}=${value}`).join("; ");
    const headers: Record<string, string> = { accept: "text/html" };
    if (cookies) headers.cookie = cookies;
    let body: string | undefined;
    if (init.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      headers.origin = target.origin;
      body = new URLSearchParams(init.form).toString();
    }
    this.history.push(target.toString());
    const response = await fetch(target, { method: init.method ?? (init.form ? "POST" : "GET"), headers, body, redirect: "manual" });
    this.remember(target, response);
    return response;
  }

  /** Follows redirects (a 303 or 302 after a POST becomes a GET) until a page answers. */
  async visit(url: string, init: { form?: Record<string, string>; stopAt?: (url: URL) => boolean } = {}): Promise<Visit> {
    let current = url;
    let response = await this.request(current, { form: init.form });
    for (let hops = 0; hops < 20 && response.status >= 300 && response.status < 400; hops++) {
      current = new URL(response.headers.get("location")!, current).toString();
      if (init.stopAt?.(new URL(current))) return { url: current, status: response.status, html: "" };
      response = await this.request(current);
    }
    return { url: current, status: response.status, html: await response.text() };
  }
}

function formOf(html: string, marker: string): { action: string } | null {
  const forms = html.match(/<form[\s\S]*?<\/form>/g) ?? [];
  const form = forms.find((candidate) => candidate.includes(marker));
  const action = form?.match(/action="([^"]+)"/)?.[1];
  return action ? { action: decodeEntities(action) } : null;
}

const decodeEntities = (value: string) => value.replaceAll("&amp;", "&").replace(/&#(\d+);/g, (_, code) => String.fromCharCode(Number(code)));

function hiddenFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[match[1]!] = decodeEntities(match[2]!);
  return fields;
}

export interface RoundTripOptions {
  /** The account name to sign in with at the provider (a key of its accounts). */
  login: string;
  /** Cancel on the provider's consent (or GitHub's authorize) page. */
  deny?: boolean;
  /** Stop before the callback reaches Cobalt; the callback URL is returned unvisited. */
  stopAtCallback?: boolean;
}

/**
 * One provider round trip from a Cobalt start URL: through the provider's own pages, back to
 * Cobalt's callback, to wherever Cobalt sends the browser last.
 */
export async function roundTrip(browser: FetchBrowser, app: TestApp, startPath: string, options: RoundTripOptions): Promise<Visit> {
  const stopAt = options.stopAtCallback ? (url: URL) => url.origin === app.url && url.pathname.endsWith("/callback") : undefined;
  let page = await browser.visit(app.url + startPath, { stopAt });
  for (let step = 0; step < 6 && page.url && !page.url.startsWith(app.url); step++) {
    const here = new URL(page.url);
    const login = formOf(page.html, 'name="login"');
    const consent = formOf(page.html, 'value="consent"');
    if (login && page.html.includes('value="login"')) {
      // oidc-provider's own login page: any password for a known account name.
      page = await browser.visit(new URL(login.action, here).toString(), { form: { prompt: "login", login: options.login, password: "any-password" }, stopAt });
    } else if (consent) {
      if (options.deny) {
        const abort = page.html.match(/href="([^"]*\/abort)"/)?.[1];
        page = await browser.visit(new URL(abort!, here).toString(), { stopAt });
      } else {
        page = await browser.visit(new URL(consent.action, here).toString(), { form: { prompt: "consent" }, stopAt });
      }
    } else if (login) {
      // The GitHub-shaped authorize page.
      if (options.deny) {
        const cancel = decodeEntities(page.html.match(/href="([^"]*\/cancel[^"]*)"/)?.[1] ?? "");
        page = await browser.visit(new URL(cancel!, here).toString(), { stopAt });
      } else {
        page = await browser.visit(new URL(login.action, here).toString(), { form: { ...hiddenFields(page.html), login: options.login, password: "any-password" }, stopAt });
      }
    } else {
      break;
    }
  }
  return page;
}

/** The visible text of a page, tags stripped, whitespace collapsed: what a user reads. */
export function pageText(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
}
