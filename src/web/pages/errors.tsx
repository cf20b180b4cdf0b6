/** The friendly page for errors: what happened, what to do, and the id support can look up. */
import { buttonClass } from "../components/ui";

/**
 * The words around every error page, in one place for a translation (docs/pages.md). What went
 * wrong (title and text) comes from respond.tsx, which holds the error pages' own words.
 */
export const TEXT = {
  status: (status: number) => `Error ${status}`,
  home: "Go home",
  requestId: (id: string) => `Request id ${id}`,
} as const;

export interface ErrorView {
  status: number;
  title: string;
  text: string;
  requestId: string;
}

export function ErrorPage({ status, title, text, requestId }: ErrorView) {
  return (
    <div class="rounded-2xl border border-slate-200 bg-white p-8 text-center shadow-sm dark:border-slate-800 dark:bg-slate-900">
      <p class="text-sm font-semibold text-blue-600 dark:text-blue-400" safe>
        {TEXT.status(status)}
      </p>
      <h1 class="mt-2 text-2xl font-bold tracking-tight" safe>
        {title}
      </h1>
      <p class="mt-3 text-sm text-slate-600 dark:text-slate-400" safe>
        {text}
      </p>
      <div class="mt-6 flex justify-center gap-3">
        <a href="/" class={buttonClass("primary")}>
          {TEXT.home}
        </a>
      </div>
      {requestId ? (
        <p class="mt-6 text-xs text-slate-500 dark:text-slate-400" safe>
          {TEXT.requestId(requestId)}
        </p>
      ) : (
        ""
      )}
    </div>
  );
}
