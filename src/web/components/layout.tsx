/** The page shell: head (assets, htmx config, CSRF meta), header with navigation, main, footer. */
import type { PropsWithChildren } from "@kitajs/html";
import type { User } from "../../db/schema";
import type { AssetManifest } from "../assets";
import { attr, buttonClass, CsrfField, cx } from "./ui";
import { LOCALE } from "../format";

/**
 * htmx 2 settings (read from this meta tag, so no inline script is needed):
 * no eval and no inline <style> (the CSP forbids both), no history snapshots in localStorage
 * (pages hold personal data; a back navigation reloads instead), requests to our origin only,
 * and 4xx/5xx answers are swapped like any other (they carry the form errors) without
 * htmx reporting them as failures.
 */
export const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  allowEval: false,
  allowScriptTags: false,
  selfRequestsOnly: true,
  historyCacheSize: 0,
  refreshOnHistoryMiss: true,
  scrollIntoViewOnBoost: false,
  // Problem fragments come as 200 (see respond.tsx); anything else that fails still shows.
  responseHandling: [
    { code: "204", swap: false },
    { code: "[2345]..", swap: true, error: false },
  ],
});

export interface LayoutProps {
  title: string;
  viewer: User | null;
  csrfToken: string;
  assets: AssetManifest;
  /** Which nav item is the current page. */
  section?: "dashboard" | "security" | "admin";
  /** Auth forms sit in a narrow centred column. */
  narrow?: boolean;
  /** On a session an administrator opened as the viewer: the banner with "stop". */
  impersonation?: JSX.Element;
}

/** The words every page shares: the header and the footer (docs/pages.md). The language is format.ts's LOCALE. */
const TEXT = {
  product: "Cobalt",
  documentTitle: (page: string) => `${page} · Cobalt`,
  skipToContent: "Skip to content",
  apiReference: "API reference",
  nav: { label: "Main", dashboard: "Dashboard", security: "Security", admin: "Admin", signOut: "Sign out", signIn: "Sign in", createAccount: "Create account" },
} as const;

function NavLink({ href, label, current }: { href: string; label: string; current: boolean }) {
  return (
    <a
      href={href}
      aria-current={current ? "page" : undefined}
      class={cx(
        "rounded-lg px-2 py-2 text-sm font-medium whitespace-nowrap max-[400px]:px-1.5 max-[400px]:text-[13px] sm:px-3",
        current ? "bg-slate-100 text-slate-900 dark:bg-slate-800 dark:text-white" : "text-slate-600 hover:text-slate-900 dark:text-slate-300 dark:hover:text-white",
      )}
      safe
    >
      {label}
    </a>
  );
}

export function Logo() {
  return (
    <a href="/" class="flex items-center gap-2 rounded-lg text-base font-bold tracking-tight text-slate-900 dark:text-white">
      <svg viewBox="0 0 32 32" class="size-7" aria-hidden="true">
        <rect width="32" height="32" rx="8" class="fill-blue-600 dark:fill-blue-500" />
        <path d="M21.5 11.2A7 7 0 1 0 21.5 20.8" fill="none" stroke="#fff" stroke-width="3.2" stroke-linecap="round" />
      </svg>
      {/* On the narrowest phones the mark alone names the site, so the signed-in header stays one row. */}
      <span class="max-[400px]:sr-only">{TEXT.product}</span>
    </a>
  );
}

function Header({ viewer, csrfToken, section }: Pick<LayoutProps, "viewer" | "csrfToken" | "section">) {
  return (
    <header class="border-b border-slate-200 bg-white/80 backdrop-blur dark:border-slate-800 dark:bg-slate-900/80">
      <div class="mx-auto flex max-w-6xl items-center justify-between gap-2 px-3 py-3 sm:px-6">
        <Logo />
        <nav class="flex min-w-0 items-center gap-0.5 overflow-x-auto sm:gap-1" aria-label={TEXT.nav.label}>
          {viewer ? (
            <>
              <NavLink href="/dashboard" label={TEXT.nav.dashboard} current={section === "dashboard"} />
              <NavLink href="/account/security" label={TEXT.nav.security} current={section === "security"} />
              {viewer.role === "admin" ? <NavLink href="/admin" label={TEXT.nav.admin} current={section === "admin"} /> : ""}
              <form method="post" action="/logout" class="ml-1 shrink-0">
                <CsrfField token={csrfToken} />
                <button type="submit" class={buttonClass("secondary", "py-1.5 whitespace-nowrap max-sm:px-2.5")}>
                  {TEXT.nav.signOut}
                </button>
              </form>
            </>
          ) : (
            <>
              <a href="/login" class={buttonClass("ghost")}>
                {TEXT.nav.signIn}
              </a>
              <a href="/register" class={buttonClass("primary")}>
                {TEXT.nav.createAccount}
              </a>
            </>
          )}
        </nav>
      </div>
    </header>
  );
}

export function Layout({ title, viewer, csrfToken, assets, section, narrow, impersonation, children }: PropsWithChildren<LayoutProps>) {
  return (
    <>
      {"<!doctype html>"}
      <html lang={LOCALE} class="h-full">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title safe>{TEXT.documentTitle(title)}</title>
          <meta name="color-scheme" content="light dark" />
          <meta name="htmx-config" content={HTMX_CONFIG} />
          <meta name="csrf-token" content={attr(csrfToken)} />
          <link rel="icon" type="image/svg+xml" href={assets.url("favicon.svg")} />
          <link rel="stylesheet" href={assets.url("app.css")} />
          <script src={assets.url("htmx.js")} defer></script>
          <script src={assets.url("app.js")} defer></script>
          {/* On every page: hx-boost swaps bodies, so a page reached by a boosted link has only the scripts of the first one. */}
          <script src={assets.url("webauthn.js")} defer></script>
          <script src={assets.url("passkeys.js")} defer></script>
        </head>
        <body hx-boost="true" class="flex min-h-full flex-col bg-slate-50 font-sans text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
          <a href="#main" class="sr-only rounded-lg bg-blue-600 px-3 py-2 text-white focus:not-sr-only focus:absolute focus:left-4 focus:top-3 focus:z-50">
            {TEXT.skipToContent}
          </a>
          {(impersonation ?? "") as "safe"}
          <Header viewer={viewer} csrfToken={csrfToken} section={section} />
          <main id="main" class={cx("mx-auto w-full flex-1 px-4 py-8 sm:px-6 sm:py-12", narrow ? "max-w-md" : "max-w-6xl")}>
            <div id="flash" aria-live="polite" class="empty:hidden mb-6"></div>
            {children as "safe"}
          </main>
          <footer class="border-t border-slate-200 py-6 text-center text-xs text-slate-500 dark:border-slate-800 dark:text-slate-400">
            {TEXT.product} ·{" "}
            <a href="/swagger" hx-boost="false" class="underline hover:text-slate-700 dark:hover:text-slate-200">
              {TEXT.apiReference}
            </a>
          </footer>
        </body>
      </html>
    </>
  );
}
