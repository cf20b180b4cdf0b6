/**
 * GitHub cannot run here, so this Bun server is shaped like it: the web authorize page
 * (sign in, then Authorize or Cancel), `POST /login/oauth/access_token` (form in, JSON out when
 * asked, errors as 200 + `{error}` like the real one, PKCE S256 checked, codes single use), and
 * the REST API's `GET /user` and `GET /user/emails` behind the bearer token.
 */
import { createHash, randomBytes } from "node:crypto";

export interface GithubAccount {
  id: number;
  login: string;
  emails: { email: string; primary: boolean; verified: boolean; visibility?: string | null }[];
}

interface PendingCode {
  login: string;
  clientId: string;
  redirectUri: string;
  challenge: string;
}

export interface GithubFake {
  url: string;
  clientId: string;
  clientSecret: string;
  accounts: Map<string, GithubAccount>;
  /** While true the token endpoint never answers (a GitHub that hangs). */
  hangToken: boolean;
  /** When set, the token endpoint answers this instead (a malformed or hostile response). */
  tokenOverride: (() => Response) | null;
  /** Env for the app: the three GitHub endpoints pointed here. */
  env: Record<string, string>;
  close(): void;
}

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function authorizePage(query: URLSearchParams): Response {
  const hidden = ["client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method", "scope"]
    .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(query.get(name) ?? "")}">`)
    .join("");
  const cancel = `/login/oauth/cancel?${new URLSearchParams({ redirect_uri: query.get("redirect_uri") ?? "", state: query.get("state") ?? "" })}`;
  const html = `<!doctype html><html><head><title>Sign in to GitHub</title></head><body>
<h1>Sign in to GitHub to continue to Cobalt</h1>
<form method="post" action="/login/oauth/authorize">${hidden}
<label>Username or email address <input name="login" required></label>
<label>Password <input name="password" type="password" required></label>
<p>Cobalt wants to read your profile and email addresses (${escapeHtml(query.get("scope") ?? "")}).</p>
<button type="submit">Authorize</button></form>
<a href="${escapeHtml(cancel)}">Cancel</a></body></html>`;
  return new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } });
}

export function startGithubFake(): GithubFake {
  const accounts = new Map<string, GithubAccount>();
  const codes = new Map<string, PendingCode>();
  const tokens = new Map<string, string>();
  const clientId = "Iv1.cobalttest";
  const clientSecret = "github-test-secret-0123456789";
  const fake = { hangToken: false, tokenOverride: null } as GithubFake;

  const redirectBack = (redirectUri: string, params: Record<string, string>) => {
    const target = new URL(redirectUri);
    for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
    return new Response(null, { status: 302, headers: { location: target.toString() } });
  };
  const tokenError = (error: string) => Response.json({ error, error_description: error.replaceAll("_", " ") });

  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const url = new URL(request.url);
      if (request.method === "GET" && url.pathname === "/login/oauth/authorize") {
        if (url.searchParams.get("client_id") !== clientId) return new Response("unknown client", { status: 404 });
        return authorizePage(url.searchParams);
      }
      if (request.method === "GET" && url.pathname === "/login/oauth/cancel") {
        return redirectBack(url.searchParams.get("redirect_uri")!, { error: "access_denied", error_description: "The user has denied your application access.", state: url.searchParams.get("state") ?? "" });
      }
      if (request.method === "POST" && url.pathname === "/login/oauth/authorize") {
        const form = await request.formData();
        const field = (name: string) => String(form.get(name) ?? "");
        if (!accounts.has(field("login"))) return new Response("Incorrect username or password.", { status: 401 });
        if (field("code_challenge_method") !== "S256" || !field("code_challenge")) return new Response("PKCE S256 expected", { status: 400 });
        const code = randomBytes(10).toString("hex");
        codes.set(code, { login: field("login"), clientId: field("client_id"), redirectUri: field("redirect_uri"), challenge: field("code_challenge") });
        return redirectBack(field("redirect_uri"), { code, state: field("state") });
      }
      if (request.method === "POST" && url.pathname === "/login/oauth/access_token") {
        if (fake.hangToken) return new Promise<Response>(() => {});
        if (fake.tokenOverride) return fake.tokenOverride();
        const form = new URLSearchParams(await request.text());
        const pending = codes.get(form.get("code") ?? "");
        codes.delete(form.get("code") ?? "");
        if (form.get("client_id") !== clientId || form.get("client_secret") !== clientSecret) return tokenError("incorrect_client_credentials");
        if (!pending || pending.clientId !== clientId) return tokenError("bad_verification_code");
        if (form.get("redirect_uri") !== pending.redirectUri) return tokenError("redirect_uri_mismatch");
        const verifier = form.get("code_verifier") ?? "";
        if (createHash("sha256").update(verifier).digest("base64url") !== pending.challenge) return tokenError("bad_verification_code");
        const token = `gho_${randomBytes(18).toString("hex")}`;
        tokens.set(token, pending.login);
        if (!(request.headers.get("accept") ?? "").includes("application/json")) {
          return new Response(new URLSearchParams({ access_token: token, token_type: "bearer", scope: "read:user,user:email" }).toString());
        }
        return Response.json({ access_token: token, token_type: "bearer", scope: "read:user,user:email" });
      }
      if (request.method === "GET" && (url.pathname === "/user" || url.pathname === "/user/emails")) {
        const login = tokens.get((request.headers.get("authorization") ?? "").replace(/^Bearer /i, ""));
        const account = login ? accounts.get(login) : undefined;
        if (!account) return Response.json({ message: "Bad credentials", documentation_url: "https://docs.github.com/rest" }, { status: 401 });
        if (url.pathname === "/user") return Response.json({ id: account.id, login: account.login, node_id: `U_${account.id}`, type: "User", name: null, email: null });
        return Response.json(account.emails.map((entry) => ({ visibility: null, ...entry })));
      }
      return Response.json({ message: "Not Found" }, { status: 404 });
    },
  });

  const url = `http://127.0.0.1:${server.port}`;
  return Object.assign(fake, {
    url,
    clientId,
    clientSecret,
    accounts,
    env: {
      OAUTH_GITHUB_CLIENT_ID: clientId,
      OAUTH_GITHUB_CLIENT_SECRET: clientSecret,
      OAUTH_GITHUB_AUTHORIZE_URL: `${url}/login/oauth/authorize`,
      OAUTH_GITHUB_TOKEN_URL: `${url}/login/oauth/access_token`,
      OAUTH_GITHUB_API_URL: url,
    },
    close: () => server.stop(true),
  });
}
