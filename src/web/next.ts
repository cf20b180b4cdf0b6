/**
 * Where to go after signing in. Only a path on this site is accepted: it must start with a
 * single "/" (not "//" or "/\", which browsers read as another host), hold no control
 * characters or backslashes (browsers drop or rewrite those), and still be on our origin
 * once resolved. Anything else falls back to the dashboard.
 */
export const DEFAULT_NEXT = "/dashboard";
const PROBE_ORIGIN = "http://cobalt.invalid";

export function safeNext(raw: unknown, fallback = DEFAULT_NEXT): string {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > 2000) return fallback;
  if (!raw.startsWith("/") || raw.startsWith("//") || raw.includes("\\")) return fallback;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
  if (/[\u0000-\u001f\u007f]/.test(raw)) return fallback;
  let resolved: URL;
  try {
    resolved = new URL(raw, PROBE_ORIGIN);
  } catch {
    return fallback;
  }
  if (resolved.origin !== PROBE_ORIGIN) return fallback;
  const local = `${resolved.pathname}${resolved.search}${resolved.hash}`;
  // Dot segments can collapse into a scheme-relative URL: "/..//evil.example" resolves to the
  // path "//evil.example", which a browser reads as another host.
  if (local.startsWith("//") || local.startsWith("/\\")) return fallback;
  return local;
}

/**
 * A local link that carries `next` on (sign in, sign up, forgot and reset password), leaving it
 * out when it is only the default.
 */
export function withNext(path: string, next: string): string {
  const target = safeNext(next);
  if (target === DEFAULT_NEXT) return path;
  return `${path}${path.includes("?") ? "&" : "?"}next=${encodeURIComponent(target)}`;
}

/** /login?next=… for a page that needs a signed-in visitor. */
export function loginUrl(next: string): string {
  const target = safeNext(next, "");
  return target && target !== "/" ? `/login?next=${encodeURIComponent(target)}` : "/login";
}

/** A fixed notice key on a local URL (the login page maps keys to texts; no text travels in URLs). */
export function withNotice(path: string, notice: string): string {
  return `${path}${path.includes("?") ? "&" : "?"}notice=${encodeURIComponent(notice)}`;
}

/** The page a form was sent from, when the browser says and it is ours: where to return after signing in. */
export function sameOriginReferrer(page: { request: Request; url: URL }): string | null {
  const referrer = page.request.headers.get("referer");
  if (!referrer) return null;
  try {
    const from = new URL(referrer);
    if (from.origin !== page.url.origin) return null;
    const local = safeNext(`${from.pathname}${from.search}`, "");
    return local || null;
  } catch {
    return null;
  }
}
