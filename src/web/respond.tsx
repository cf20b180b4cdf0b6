/**
 * Turning a view into a response: the whole page, or only its fragment when htmx asked for
 * one (an htmx request that is not a boosted navigation or a history restore). Redirects
 * become HX-Redirect for htmx and 303 for plain forms. Errors become friendly pages.
 */
import { toErrorResponse } from "../http/errors";
import { requestMeta } from "../http/context";
import { Layout, type LayoutProps } from "./components/layout";
import { Alert } from "./components/ui";
import { csrfTokenFor, type PageContext } from "./context";
import { CsrfError } from "../http/origin";
import { ErrorPage, type ErrorView } from "./pages/errors";
import { waitInWords } from "./format";
import { TEXT as FORM_TEXT } from "./forms";
import { impersonationBanner } from "./impersonation";

export interface View {
  title: string;
  status?: number;
  section?: LayoutProps["section"];
  narrow?: boolean;
  /** The page's content inside the layout. */
  body: () => JSX.Element;
  /** What an htmx request gets instead; without it htmx gets the body. */
  fragment?: () => JSX.Element;
}

/**
 * An htmx fragment that reports a problem (form errors, a refusal) is content to swap in, not a
 * failed request: it goes out as 200 so the browser logs no "failed to load resource" error.
 * The real status stays in X-Status; plain requests always get the real status.
 */
function wireStatus(ctx: PageContext, status: number): number {
  if (!ctx.htmx.partial || status < 400) return status;
  ctx.headers.set("x-status", String(status));
  return 200;
}

function finish(ctx: PageContext, status: number, html: string | null): Response {
  const headers = ctx.headers;
  status = wireStatus(ctx, status);
  if (html !== null) headers.set("content-type", "text/html; charset=utf-8");
  // Pages show personal data and carry tokens: never store them in a shared cache.
  headers.set("cache-control", "no-store");
  headers.append("vary", "HX-Request");
  headers.set("x-csrf-token", csrfTokenFor(ctx));
  return new Response(html, { status, headers });
}

export async function render(ctx: PageContext, view: View): Promise<Response> {
  const status = view.status ?? 200;
  if (ctx.htmx.partial) return finish(ctx, status, await (view.fragment ?? view.body)());
  const banner = await impersonationBanner(ctx);
  const html = await (
    <Layout title={view.title} viewer={ctx.viewer?.user ?? null} csrfToken={csrfTokenFor(ctx)} assets={ctx.env.assets} section={view.section} narrow={view.narrow} impersonation={banner}>
      {(await view.body()) as "safe"}
    </Layout>
  );
  return finish(ctx, status, html);
}

/** After a successful form post: 303 for a browser, HX-Redirect (a full load) for htmx. */
export function redirect(ctx: PageContext, location: string): Response {
  if (ctx.htmx.partial) {
    ctx.headers.set("hx-redirect", location);
    return finish(ctx, 204, null);
  }
  ctx.headers.set("location", location);
  return finish(ctx, 303, null);
}

/** What an error page says; a 403 or 4xx shows the error registry's own message (src/errors.ts). */
const TEXT = {
  expiredForm: { title: "This form has expired", text: "For your safety we could not accept it: it came from another site, or your session changed in another tab. Reload the page and try again." },
  notFound: { title: "Page not found", text: "There is nothing at this address. It may have been moved or deleted." },
  deniedTitle: "Access denied",
  slowDownTitle: "Slow down",
  unavailable: { title: "Temporarily unavailable", text: "A service Cobalt depends on is not answering. Please try again in a moment." },
  unexpected: { title: "Something went wrong", text: "An unexpected error stopped this page. It has been logged; please try again." },
  failedTitle: "That did not work",
  /** An htmx action's failure, shown in the flash area: the page's title and text as one line. */
  flash: (title: string, text: string) => `${title}. ${text}`,
} as const;

function errorView(error: unknown, ctx: PageContext): ErrorView {
  const { status, body, headers } = toErrorResponse(error, "UNKNOWN", ctx.deps.logger);
  for (const [name, value] of Object.entries(headers ?? {})) ctx.headers.set(name, value);
  const requestId = requestMeta(ctx.request)?.id ?? "";
  if (error instanceof CsrfError) return { status, ...TEXT.expiredForm, requestId };
  switch (status) {
    case 404:
      return { status, ...TEXT.notFound, requestId };
    case 403:
      return { status, title: TEXT.deniedTitle, text: body.error, requestId };
    case 429:
      return { status, title: TEXT.slowDownTitle, text: FORM_TEXT.tooManyAttempts(waitInWords(Number(headers?.["retry-after"] ?? 0))), requestId };
    case 503:
      return { status, ...TEXT.unavailable, requestId };
  }
  if (status >= 500) return { status, ...TEXT.unexpected, requestId };
  return { status, title: TEXT.failedTitle, text: body.error, requestId };
}

/** The friendly answer for anything a page handler threw. */
export async function renderError(ctx: PageContext, error: unknown): Promise<Response> {
  const view = errorView(error, ctx);
  if (ctx.htmx.partial) {
    // An htmx action failed: show the message in the page's flash area, not in place of the form.
    ctx.headers.set("hx-retarget", "#flash");
    ctx.headers.set("hx-reswap", "innerHTML");
    return finish(ctx, view.status, await <Alert tone="error" text={TEXT.flash(view.title, view.text)} />);
  }
  return render(ctx, { title: view.title, status: view.status, narrow: true, body: () => <ErrorPage {...view} /> });
}
