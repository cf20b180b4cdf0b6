/**
 * Small building blocks shared by every page. User text goes through `safe` (escaped
 * children) or Html.escapeHtml (attributes, which @kitajs/html only guards against `"`).
 */
import Html, { type PropsWithChildren } from "@kitajs/html";

export const cx = (...classes: Array<string | false | null | undefined>) => classes.filter(Boolean).join(" ");

/** Attribute values from users: escape `&` and `<` too, so the browser reads back exactly the text. */
export const attr = (value: string | undefined | null) => (value == null ? undefined : Html.escapeHtml(value));

/** The few words the building blocks say themselves; public/app.js reads its labels from the markup. */
const TEXT = {
  showPassword: "Show password",
  hidePassword: "Hide password",
  /** What a counting-down button adds to its name; app.js puts the seconds where {s} is. */
  secondsLeft: " ({s} s)",
} as const;

export type Tone = "error" | "success" | "info" | "warning";

const TONES: Record<Tone, string> = {
  error: "border-red-200 bg-red-50 text-red-800 dark:border-red-900/60 dark:bg-red-950/50 dark:text-red-200",
  success: "border-emerald-200 bg-emerald-50 text-emerald-800 dark:border-emerald-900/60 dark:bg-emerald-950/50 dark:text-emerald-200",
  info: "border-blue-200 bg-blue-50 text-blue-800 dark:border-blue-900/60 dark:bg-blue-950/50 dark:text-blue-200",
  warning: "border-amber-200 bg-amber-50 text-amber-900 dark:border-amber-900/60 dark:bg-amber-950/40 dark:text-amber-200",
};

export interface Notice {
  tone: Tone;
  text: string;
}

/**
 * The notice a `?notice=key` names in a page's table, or none. Own keys only: `key in table`
 * would also find "constructor" and "__proto__" on every object.
 */
export const noticeFrom = <K extends string>(notices: Record<K, Notice>, key: string | null | undefined): Notice | undefined =>
  key && Object.hasOwn(notices, key) ? notices[key as K] : undefined;

/** Errors interrupt (role=alert); everything else is announced politely. */
export function Alert({ tone, text, children, id }: PropsWithChildren<Notice & { id?: string }>) {
  return (
    <div id={id} role={tone === "error" ? "alert" : "status"} aria-live={tone === "error" ? "assertive" : "polite"} class={cx("flex items-start gap-3 rounded-xl border px-4 py-3 text-sm", TONES[tone])}>
      <p class="min-w-0 flex-1" safe>
        {text}
      </p>
      {children}
    </div>
  );
}

export interface FieldProps {
  name: string;
  label: string;
  type?: "text" | "email" | "password" | "search";
  value?: string;
  error?: string;
  hint?: string;
  autocomplete?: string;
  required?: boolean;
  autofocus?: boolean;
  minlength?: number;
  maxlength?: number;
  /** Distinguishes two forms with the same field name on one page. */
  idPrefix?: string;
  /**
   * A password field gets a "Show password" button. public/app.js unhides and drives it, so
   * without JavaScript (or before it runs) there is no button that does nothing.
   */
  reveal?: boolean;
}

const inputClass =
  "block w-full rounded-lg border bg-white px-3 py-2 text-sm text-slate-900 shadow-xs placeholder:text-slate-400 focus:outline-none focus-visible:ring-2 focus-visible:ring-blue-600 dark:focus-visible:ring-blue-400 dark:bg-slate-950 dark:text-slate-100";

/** Label, input, hint and error, wired with aria attributes. A password is never echoed back. */
export function Field(props: FieldProps) {
  const id = `${props.idPrefix ?? "f"}-${props.name}`;
  const type = props.type ?? "text";
  const value = type === "password" ? undefined : props.value;
  const describedBy = [props.error ? `${id}-error` : "", props.hint ? `${id}-hint` : ""].filter(Boolean).join(" ");
  const reveal = props.reveal === true && type === "password";
  const input = (
    <input
        id={id}
        name={props.name}
        type={type}
        value={attr(value)}
        autocomplete={props.autocomplete}
        required={props.required}
        autofocus={props.autofocus}
        minlength={props.minlength}
        maxlength={props.maxlength}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={describedBy || undefined}
        class={cx(inputClass, props.error ? "border-red-500 dark:border-red-500" : "border-slate-300 dark:border-slate-700", reveal ? "pr-32" : "")}
      />
  );
  return (
    <div class="space-y-1.5">
      <label for={id} class="block text-sm font-medium text-slate-700 dark:text-slate-300" safe>
        {props.label}
      </label>
      {reveal ? (
        <div class="relative">
          {input as "safe"}
          <button
            type="button"
            hidden
            data-reveal={id}
            aria-controls={id}
            data-show-label={TEXT.showPassword}
            data-hide-label={TEXT.hidePassword}
            class="absolute inset-y-0 right-0 my-1 mr-1 rounded-md px-2.5 text-xs font-semibold text-slate-600 hover:bg-slate-100 hover:text-slate-900 focus:outline-none focus-visible:ring-2 focus-visible:ring-blue-600 dark:focus-visible:ring-blue-400 dark:text-slate-300 dark:hover:bg-slate-800 dark:hover:text-white"
          >
            {TEXT.showPassword}
          </button>
        </div>
      ) : (
        (input as "safe")
      )}
      {props.hint && !props.error ? (
        <p id={`${id}-hint`} class="text-xs text-slate-500 dark:text-slate-400" safe>
          {props.hint}
        </p>
      ) : (
        ""
      )}
      {props.error ? (
        <p id={`${id}-error`} class="text-xs font-medium text-red-600 dark:text-red-400" safe>
          {props.error}
        </p>
      ) : (
        ""
      )}
    </div>
  );
}

export type ButtonVariant = "primary" | "secondary" | "danger" | "ghost";

const VARIANTS: Record<ButtonVariant, string> = {
  // Hover darkens in dark mode too: a lighter blue or red under white text is under 4.5:1 (3.76:1).
  primary: "bg-blue-600 text-white shadow-sm hover:bg-blue-700",
  secondary: "border border-slate-300 bg-white text-slate-800 shadow-xs hover:bg-slate-50 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100 dark:hover:bg-slate-800",
  danger: "bg-red-600 text-white shadow-sm hover:bg-red-700",
  ghost: "text-slate-600 hover:bg-slate-100 hover:text-slate-900 dark:text-slate-300 dark:hover:bg-slate-800 dark:hover:text-white",
};

export const buttonClass = (variant: ButtonVariant = "primary", extra?: string) =>
  cx("inline-flex items-center justify-center gap-2 rounded-lg px-3.5 py-2 text-sm font-semibold transition-colors disabled:cursor-not-allowed disabled:opacity-60", VARIANTS[variant], extra);

export function Spinner() {
  return (
    <svg class="htmx-indicator size-4 animate-spin" viewBox="0 0 24 24" fill="none" aria-hidden="true">
      <circle cx="12" cy="12" r="9" stroke="currentColor" stroke-width="3" class="opacity-25" />
      <path d="M21 12a9 9 0 0 0-9-9" stroke="currentColor" stroke-width="3" stroke-linecap="round" />
    </svg>
  );
}

/**
 * `countdown`: seconds until pressing again makes sense (a mail just sent, a budget spent);
 * public/app.js disables the button and counts down. Without JavaScript it stays usable and a
 * press too early gets the friendly "please wait" answer.
 */
export function Button({ children, variant, type, full, name, value, countdown }: PropsWithChildren<{ variant?: ButtonVariant; type?: "submit" | "button"; full?: boolean; name?: string; value?: string; countdown?: number }>) {
  return (
    <button type={type ?? "submit"} name={name} value={attr(value)} data-countdown={countdown && countdown > 0 ? String(Math.ceil(countdown)) : undefined} data-countdown-text={countdown && countdown > 0 ? TEXT.secondsLeft : undefined} class={buttonClass(variant, full ? "w-full" : undefined)}>
      {children as "safe"}
      {type === "button" ? "" : <Spinner />}
    </button>
  );
}

const BADGES = {
  gray: "bg-slate-100 text-slate-700 ring-slate-500/20 dark:bg-slate-800 dark:text-slate-300",
  blue: "bg-blue-50 text-blue-700 ring-blue-600/20 dark:bg-blue-950 dark:text-blue-300",
  green: "bg-emerald-50 text-emerald-700 ring-emerald-600/20 dark:bg-emerald-950 dark:text-emerald-300",
  amber: "bg-amber-50 text-amber-800 ring-amber-600/20 dark:bg-amber-950 dark:text-amber-300",
  red: "bg-red-50 text-red-700 ring-red-600/20 dark:bg-red-950 dark:text-red-300",
  violet: "bg-violet-50 text-violet-700 ring-violet-600/20 dark:bg-violet-950 dark:text-violet-300",
} as const;
export type BadgeColor = keyof typeof BADGES;

export function Badge({ color, text }: { color: BadgeColor; text: string }) {
  return (
    <span class={cx("inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset", BADGES[color])} safe>
      {text}
    </span>
  );
}

export function EmptyState({ title, text, children }: PropsWithChildren<{ title: string; text?: string }>) {
  return (
    <div class="rounded-xl border border-dashed border-slate-300 px-6 py-10 text-center dark:border-slate-700">
      <p class="text-sm font-semibold text-slate-900 dark:text-slate-100" safe>
        {title}
      </p>
      {text ? (
        <p class="mt-1 text-sm text-slate-500 dark:text-slate-400" safe>
          {text}
        </p>
      ) : (
        ""
      )}
      {children as "safe"}
    </div>
  );
}

export function Card({ children, title, description, id, danger }: PropsWithChildren<{ title?: string; description?: string; id?: string; danger?: boolean }>) {
  return (
    <section
      id={id}
      class={cx("rounded-2xl border bg-white p-5 shadow-sm sm:p-6 dark:bg-slate-900", danger ? "border-red-200 dark:border-red-900/60" : "border-slate-200 dark:border-slate-800")}
    >
      {title ? (
        <header class="mb-4">
          <h2 class="text-base font-semibold text-slate-900 dark:text-white" safe>
            {title}
          </h2>
          {description ? (
            <p class="mt-1 text-sm text-slate-500 dark:text-slate-400" safe>
              {description}
            </p>
          ) : (
            ""
          )}
        </header>
      ) : (
        ""
      )}
      {children as "safe"}
    </section>
  );
}

/** The hidden CSRF field every form carries (htmx also sends it as a header). */
export function CsrfField({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={attr(token)} />;
}
