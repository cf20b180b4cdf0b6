/** The front page: what Cobalt is, and the way in. */
import type { User } from "../../db/schema";
import { buttonClass } from "../components/ui";

/** Every word of the front page and its title, in one place for a translation (docs/pages.md). */
export const TEXT = {
  title: "Welcome",
  eyebrow: "Authentication & user management",
  heading: "Sign-in your users can trust.",
  lead: "Cobalt handles accounts, sessions, email verification and administration, so you can build the rest.",
  dashboard: "Go to your dashboard",
  register: "Create an account",
  login: "Sign in",
  features: {
    label: "Features",
    items: [
      { title: "Sessions you control", text: "Short-lived access tokens, rotating refresh tokens, and a list of every device with a button to end it." },
      { title: "Verified accounts", text: "Email verification and password reset with single-use links that expire." },
      { title: "Built-in admin", text: "Search users, change roles, disable accounts and read the audit log of every sensitive action." },
    ],
  },
} as const;

export function HomePage({ user }: { user: User | null }) {
  return (
    <div class="space-y-16">
      <section class="mx-auto max-w-3xl pt-6 text-center sm:pt-12">
        <p class="text-sm font-semibold uppercase tracking-widest text-blue-600 dark:text-blue-400">{TEXT.eyebrow}</p>
        <h1 class="mt-4 text-4xl font-bold tracking-tight text-balance sm:text-5xl">{TEXT.heading}</h1>
        <p class="mx-auto mt-5 max-w-2xl text-lg text-pretty text-slate-600 dark:text-slate-400">
          {TEXT.lead}
        </p>
        <div class="mt-8 flex flex-wrap justify-center gap-3">
          {user ? (
            <a href="/dashboard" class={buttonClass("primary", "px-5 py-2.5")}>
              {TEXT.dashboard}
            </a>
          ) : (
            <>
              <a href="/register" class={buttonClass("primary", "px-5 py-2.5")}>
                {TEXT.register}
              </a>
              <a href="/login" class={buttonClass("secondary", "px-5 py-2.5")}>
                {TEXT.login}
              </a>
            </>
          )}
        </div>
      </section>
      <section class="grid gap-4 sm:grid-cols-3" aria-label={TEXT.features.label}>
        {TEXT.features.items.map((feature) => (
          <div class="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900">
            <h2 class="font-semibold">
              {feature.title}
            </h2>
            <p class="mt-2 text-sm text-slate-600 dark:text-slate-400">
              {feature.text}
            </p>
          </div>
        ))}
      </section>
    </div>
  );
}
