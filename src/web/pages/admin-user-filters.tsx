/**
 * The users list's filters: the search, the selects and the sort menu, which ask for new results
 * as they change, and the URL that holds them (so a filtered list can be bookmarked and shared).
 */
import { attr, buttonClass, cx } from "../components/ui";

/** Every word of the filters (docs/pages.md); the list's own words are in admin-users.tsx. */
const TEXT = {
  filters: {
    search: "Search",
    searchPlaceholder: "Username or email",
    apply: "Apply",
    // "Clear filters", with the second word hidden on a phone (still read out by a screen reader).
    clear: (wide: (words: string) => JSX.Element) => <>Clear{wide(" filters")}</>,
    role: { label: "Role", any: "All roles", user: "User", admin: "Admin" },
    status: { label: "Status", any: "Any status", active: "Active", disabled: "Disabled" },
    email: { label: "Email", any: "Any email", verified: "Verified", unverified: "Unverified" },
    mfa: { label: "Two-step", any: "Any two-step", on: "Two-step on", off: "Two-step off" },
  },
  sort: {
    label: "Sort",
    newest: "Newest first",
    oldest: "Oldest first",
    usernameAz: "Username A–Z",
    usernameZa: "Username Z–A",
    emailAz: "Email A–Z",
    emailZa: "Email Z–A",
    recentSignIn: "Recently signed in",
    leastRecentSignIn: "Least recently signed in",
  },
} as const;

export interface UserFilters {
  search: string;
  role: string;
  status: string;
  email_verified: string;
  has_mfa: string;
  sort: string;
  page: number;
  per_page: number;
}

export const SORTS = [
  { value: "-created_at", label: TEXT.sort.newest },
  { value: "created_at", label: TEXT.sort.oldest },
  { value: "username", label: TEXT.sort.usernameAz },
  { value: "-username", label: TEXT.sort.usernameZa },
  { value: "email", label: TEXT.sort.emailAz },
  { value: "-email", label: TEXT.sort.emailZa },
  { value: "-last_login_at", label: TEXT.sort.recentSignIn },
  { value: "last_login_at", label: TEXT.sort.leastRecentSignIn },
] as const;

export const DEFAULT_SORT = "-created_at";
export const DEFAULT_PER_PAGE = 20;
/** The page sizes offered; a URL may ask for any size from 1 to 100. */
export const PAGE_SIZES = [10, 20, 50, 100] as const;

/** The URL of a users list, keeping only the filters that are set. */
export function usersUrl(filters: UserFilters, page = filters.page, sort = filters.sort): string {
  const params = new URLSearchParams();
  for (const key of ["search", "role", "status", "email_verified", "has_mfa"] as const) if (filters[key]) params.set(key, filters[key]);
  if (sort !== DEFAULT_SORT) params.set("sort", sort);
  if (filters.per_page !== DEFAULT_PER_PAGE) params.set("per_page", String(filters.per_page));
  if (page > 1) params.set("page", String(page));
  const query = params.toString();
  return query ? `/admin/users?${query}` : "/admin/users";
}

/** The results container every control fills (pages/admin-users.tsx). */
export const RESULTS = "#users-results";

const selectClass =
  "block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm shadow-xs focus:outline-none focus-visible:ring-2 focus-visible:ring-blue-600 dark:focus-visible:ring-blue-400 dark:border-slate-700 dark:bg-slate-950";

/** Every control asks for the results with the whole form, so filters combine. The results
 * container stays in place (a stable live region) and only its content is swapped. */
const liveControl = (trigger: string) => ({
  "hx-get": "/admin/users",
  "hx-trigger": trigger,
  "hx-target": RESULTS,
  "hx-push-url": "true",
  "hx-include": "closest form",
  // One request at a time, then only the newest waiting one: a slow answer never lands after a
  // newer one (and nothing is aborted, which htmx would log as an error).
  "hx-sync": "#user-filters:queue last",
});

interface SelectProps {
  name: string;
  label: string;
  value: string;
  options: ReadonlyArray<{ value: string; label: string }>;
  /** Sent out of band with a results fragment, to replace the select already on the page. */
  oob?: boolean;
}

function Select({ name, label, value, options, oob }: SelectProps) {
  return (
    <div id={`filter-${name}-field`} class="col-span-2 min-w-0 space-y-1 sm:col-span-1" hx-swap-oob={oob ? "true" : undefined}>
      <label for={`filter-${name}`} class="block text-xs font-medium text-slate-600 dark:text-slate-400" safe>
        {label}
      </label>
      <select id={`filter-${name}`} name={name} class={selectClass} {...liveControl("change")}>
        {options.map((option) => (
          <option value={option.value} selected={option.value === value} safe>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The sort menu (the column headers do the same on wider screens). */
export function SortSelect({ filters, oob }: { filters: UserFilters; oob?: boolean }) {
  return <Select name="sort" label={TEXT.sort.label} value={filters.sort} options={SORTS} oob={oob} />;
}

export function FiltersForm({ filters }: { filters: UserFilters }) {
  return (
    // Three selects a row even on a phone: the filters take two rows, and the first user is on screen.
    <form id="user-filters" method="get" action="/admin/users" role="search" class="grid grid-cols-6 gap-x-2 gap-y-2 sm:grid-cols-5 sm:gap-x-3 lg:grid-cols-[3fr_1fr_1fr_1fr_1fr_1fr] lg:items-end" {...liveControl("submit")}>
      <div class="col-span-6 space-y-1 sm:col-span-5 lg:col-span-1">
        <label for="filter-search" class="block text-xs font-medium text-slate-600 dark:text-slate-400">
          {TEXT.filters.search}
        </label>
        <div class="flex items-center gap-2">
          <input
            id="filter-search"
            type="search"
            name="search"
            value={attr(filters.search)}
            placeholder={TEXT.filters.searchPlaceholder}
            autocomplete="off"
            maxlength={200}
            class={cx(selectClass, "min-w-0 flex-1")}
            {...liveControl("input changed delay:300ms")}
          />
          <button type="submit" class={buttonClass("secondary")}>
            {TEXT.filters.apply}
          </button>
          <a href="/admin/users" class={buttonClass("ghost", "whitespace-nowrap px-2")}>
            {TEXT.filters.clear((words) => <span class="max-sm:sr-only" safe>{words}</span>) as "safe"}
          </a>
        </div>
      </div>
      <Select name="role" label={TEXT.filters.role.label} value={filters.role} options={[{ value: "", label: TEXT.filters.role.any }, { value: "user", label: TEXT.filters.role.user }, { value: "admin", label: TEXT.filters.role.admin }]} />
      <Select name="status" label={TEXT.filters.status.label} value={filters.status} options={[{ value: "", label: TEXT.filters.status.any }, { value: "active", label: TEXT.filters.status.active }, { value: "disabled", label: TEXT.filters.status.disabled }]} />
      <Select name="email_verified" label={TEXT.filters.email.label} value={filters.email_verified} options={[{ value: "", label: TEXT.filters.email.any }, { value: "true", label: TEXT.filters.email.verified }, { value: "false", label: TEXT.filters.email.unverified }]} />
      <Select name="has_mfa" label={TEXT.filters.mfa.label} value={filters.has_mfa} options={[{ value: "", label: TEXT.filters.mfa.any }, { value: "true", label: TEXT.filters.mfa.on }, { value: "false", label: TEXT.filters.mfa.off }]} />
      <SortSelect filters={filters} />
      {filters.per_page !== DEFAULT_PER_PAGE ? <input type="hidden" name="per_page" value={String(filters.per_page)} /> : ""}
    </form>
  );
}

