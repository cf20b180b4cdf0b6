/** The users table: live search, filters, sorting and pagination that keep the URL in step. */
import type { User } from "../../db/schema";
import { Pagination, Table, Td, Th } from "../components/table";
import { Alert, attr, buttonClass, EmptyState, type Notice } from "../components/ui";
import { formatDate, timeAgo } from "../format";
import { AdminHeader, RoleBadge, StatusBadge, VerifiedBadge } from "./admin-shell";

export interface UserFilters {
  search: string;
  role: string;
  status: string;
  email_verified: string;
  sort: string;
  page: number;
  per_page: number;
}

export const SORTS = [
  { value: "-created_at", label: "Newest first" },
  { value: "created_at", label: "Oldest first" },
  { value: "username", label: "Username A–Z" },
  { value: "-username", label: "Username Z–A" },
  { value: "email", label: "Email A–Z" },
  { value: "-last_login_at", label: "Recently signed in" },
] as const;

/** The URL of a users list, keeping only the filters that are set. */
export function usersUrl(filters: UserFilters, page = filters.page): string {
  const params = new URLSearchParams();
  for (const key of ["search", "role", "status", "email_verified"] as const) if (filters[key]) params.set(key, filters[key]);
  if (filters.sort !== "-created_at") params.set("sort", filters.sort);
  if (page > 1) params.set("page", String(page));
  const query = params.toString();
  return query ? `/admin/users?${query}` : "/admin/users";
}

const RESULTS = "#users-results";
const selectClass =
  "block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm shadow-xs focus:outline-none focus-visible:ring-2 focus-visible:ring-blue-500/40 dark:border-slate-700 dark:bg-slate-950";

/** Every control asks for the results with the whole form, so filters combine. */
const liveControl = (trigger: string) => ({ "hx-get": "/admin/users", "hx-trigger": trigger, "hx-target": RESULTS, "hx-push-url": "true", "hx-include": "closest form" });

function Select({ name, label, value, options }: { name: string; label: string; value: string; options: ReadonlyArray<{ value: string; label: string }> }) {
  return (
    <div class="space-y-1.5">
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

export function FiltersForm({ filters }: { filters: UserFilters }) {
  return (
    <form id="user-filters" method="get" action="/admin/users" role="search" class="grid gap-3 sm:grid-cols-2 lg:grid-cols-[2fr_1fr_1fr_1fr_1fr_auto] lg:items-end" {...liveControl("submit")}>
      <div class="space-y-1.5 sm:col-span-2 lg:col-span-1">
        <label for="filter-search" class="block text-xs font-medium text-slate-600 dark:text-slate-400">
          Search
        </label>
        <input
          id="filter-search"
          type="search"
          name="search"
          value={attr(filters.search)}
          placeholder="Username or email"
          autocomplete="off"
          maxlength={200}
          class={selectClass}
          {...liveControl("input changed delay:300ms, search")}
        />
      </div>
      <Select name="role" label="Role" value={filters.role} options={[{ value: "", label: "All roles" }, { value: "user", label: "User" }, { value: "admin", label: "Admin" }]} />
      <Select name="status" label="Status" value={filters.status} options={[{ value: "", label: "Any status" }, { value: "active", label: "Active" }, { value: "disabled", label: "Disabled" }]} />
      <Select name="email_verified" label="Email" value={filters.email_verified} options={[{ value: "", label: "Any email" }, { value: "true", label: "Verified" }, { value: "false", label: "Unverified" }]} />
      <Select name="sort" label="Sort" value={filters.sort} options={SORTS} />
      <button type="submit" class={buttonClass("secondary")}>
        Apply
      </button>
    </form>
  );
}

function UserRow({ user, now }: { user: User; now: number }) {
  return (
    <tr class="hover:bg-slate-50 dark:hover:bg-slate-800/40">
      <Td>
        <a href={attr(`/admin/users/${user.id}`)} class="font-medium text-slate-900 hover:text-blue-600 hover:underline dark:text-white dark:hover:text-blue-400" safe>
          {user.username}
        </a>
        <p class="text-xs break-all text-slate-500 sm:hidden dark:text-slate-400" safe>
          {user.email}
        </p>
      </Td>
      <Td class="hidden max-w-64 truncate text-slate-600 sm:table-cell dark:text-slate-300">
        <span safe>{user.email}</span>
      </Td>
      <Td>
        <div class="flex flex-wrap gap-1">
          <RoleBadge user={user} />
          <StatusBadge user={user} />
          <VerifiedBadge user={user} />
        </div>
      </Td>
      <Td class="hidden whitespace-nowrap text-slate-500 md:table-cell dark:text-slate-400">
        <span safe>{formatDate(user.createdAt)}</span>
      </Td>
      <Td class="hidden whitespace-nowrap text-slate-500 lg:table-cell dark:text-slate-400">
        <span>{user.lastLoginAt ? timeAgo(user.lastLoginAt, now) : "Never"}</span>
      </Td>
    </tr>
  );
}

export interface UsersResultProps {
  users: User[];
  total: number;
  totalPages: number;
  filters: UserFilters;
  now: number;
}

/** The part live search swaps; the page's URL follows it (hx-push-url). */
export function UsersResults({ users, total, totalPages, filters, now }: UsersResultProps) {
  const head = (
    <>
      <Th>User</Th>
      <Th class="hidden sm:table-cell">Email</Th>
      <Th>Status</Th>
      <Th class="hidden md:table-cell">Joined</Th>
      <Th class="hidden lg:table-cell">Last sign-in</Th>
    </>
  );
  return (
    <div id="users-results" aria-live="polite">
      {users.length === 0 ? (
        <EmptyState title="No users match" text="Try another search or clear the filters." />
      ) : (
        <Table head={head} label="Users">
          {users.map((user) => (
            <UserRow user={user} now={now} />
          ))}
        </Table>
      )}
      <Pagination page={filters.page} totalPages={totalPages} total={total} perPage={filters.per_page} noun={total === 1 ? "user" : "users"} hrefFor={(page) => usersUrl(filters, page)} hx={{ target: RESULTS }} />
    </div>
  );
}

export function UsersPage(props: UsersResultProps & { notice?: Notice }) {
  return (
    <div>
      <AdminHeader tab="users" title="Users" />
      {props.notice ? (
        <div class="mb-4">
          <Alert {...props.notice} />
        </div>
      ) : (
        ""
      )}
      <div class="space-y-4 rounded-2xl border border-slate-200 bg-white p-5 shadow-sm dark:border-slate-800 dark:bg-slate-900">
        <FiltersForm filters={props.filters} />
        <UsersResults {...props} />
      </div>
    </div>
  );
}
