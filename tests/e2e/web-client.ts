/**
 * A cookie-keeping client for the page tests that need no browser: it follows what a browser
 * would send (cookies, the CSRF token of the last page) and never follows redirects itself.
 */
import type { TestApp } from "../helpers/app";
import { uniqueUser } from "../helpers/users";

export interface PageResponse {
  status: number;
  headers: Headers;
  text: string;
  location: string | null;
}

export class WebClient {
  readonly cookies = new Map<string, string>();
  csrfToken = "";

  constructor(private readonly app: TestApp) {}

  private remember(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const [name, ...value] = pair!.split("=");
      const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute));
      if (expired) this.cookies.delete(name!.trim());
      else this.cookies.set(name!.trim(), decodeURIComponent(value.join("=")));
    }
    const token = response.headers.get("x-csrf-token");
    if (token) this.csrfToken = token;
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join("; ");
  }

  async request(method: string, path: string, init: { form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<PageResponse> {
    const headers: Record<string, string> = { accept: "text/html", cookie: this.cookieHeader(), ...init.headers };
    let body: string | undefined;
    if (init.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(init.form).toString();
    }
    const response = await this.app.fetch(path, { method, headers, body });
    this.remember(response);
    return { status: response.status, headers: response.headers, text: await response.text(), location: response.headers.get("location") };
  }

  get(path: string, headers?: Record<string, string>): Promise<PageResponse> {
    return this.request("GET", path, { headers });
  }

  /** A form post carrying the CSRF token the last page handed out (as a real form would). */
  post(path: string, form: Record<string, string> = {}, headers?: Record<string, string>): Promise<PageResponse> {
    return this.request("POST", path, { form: { _csrf: this.csrfToken, ...form }, headers });
  }
}

export const htmx = { "hx-request": "true" };

/** A browser-like client that has just signed up through the pages and opened where it was sent. */
export async function signedUpClient(app: TestApp, prefix = "web"): Promise<{ client: WebClient; user: ReturnType<typeof uniqueUser> }> {
  const client = new WebClient(app);
  const user = uniqueUser(prefix);
  await client.get("/register");
  const response = await client.post("/register", user);
  if (response.status !== 303) throw new Error(`sign-up through the page answered ${response.status}`);
  // As a browser would: follow the redirect, which hands out the signed-in CSRF token.
  const landing = await client.get(response.location!);
  if (landing.status !== 200) throw new Error(`the page after sign-up answered ${landing.status}`);
  return { client, user };
}
