/** The centred card the sign-in, sign-up and account-recovery pages share. */
import type { PropsWithChildren } from "@kitajs/html";

export function AuthShell({ title, subtitle, footer, children }: PropsWithChildren<{ title: string; subtitle?: string; footer?: JSX.Element }>) {
  return (
    <div class="space-y-6">
      <div class="text-center">
        <h1 class="text-2xl font-bold tracking-tight text-slate-900 dark:text-white" safe>
          {title}
        </h1>
        {subtitle ? (
          <p class="mt-2 text-sm text-slate-600 dark:text-slate-400" safe>
            {subtitle}
          </p>
        ) : (
          ""
        )}
      </div>
      <div class="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm sm:p-8 dark:border-slate-800 dark:bg-slate-900">{children as "safe"}</div>
      {footer ? <p class="text-center text-sm text-slate-600 dark:text-slate-400">{footer as "safe"}</p> : ""}
    </div>
  );
}

export const linkClass = "font-semibold text-blue-600 hover:text-blue-500 hover:underline dark:text-blue-400 dark:hover:text-blue-300";
