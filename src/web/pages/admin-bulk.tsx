/**
 * Bulk actions on the users list: checkboxes in the table belong to one form outside it (the
 * HTML `form` attribute), so paging and filtering by htmx never lose the form; the destructive
 * actions are confirmed on a page listing who is affected; the results come per row.
 */
import Html from "@kitajs/html";
import type { User } from "../../db/schema";
import type { BulkAction, BulkResult } from "../../modules/admin/manage";
import { Table, Td, Th } from "../components/table";
import { attr, Badge, Button, buttonClass, Card, CsrfField } from "../components/ui";
import { AdminHeader } from "./admin-shell";

export const BULK_FORM = "bulk-form";
export const idField = (id: string) => `id_${id}`;

export const BULK_LABELS: Record<BulkAction, { option: string; verb: string; done: string; destructive: boolean }> = {
  disable: { option: "Disable", verb: "Disable", done: "Disabled", destructive: true },
  enable: { option: "Enable", verb: "Enable", done: "Enabled", destructive: false },
  logout_all: { option: "Sign out everywhere", verb: "Sign out", done: "Signed out everywhere", destructive: true },
  delete: { option: "Delete", verb: "Delete", done: "Deleted", destructive: true },
};

const REFUSALS: Record<string, string> = {
  not_found: "Not found: the account no longer exists",
  last_admin: "Refused: the last active admin must stay",
  cannot_modify_self: "Refused: that is your own account",
};

export function BulkCheckbox({ user }: { user: Pick<User, "id" | "username"> }) {
  return <input type="checkbox" name={attr(idField(user.id))} form={BULK_FORM} aria-label={attr(`Select ${user.username}`)} class="size-4 rounded border-slate-300" />;
}

/** The form the row checkboxes belong to. */
export function BulkBar({ csrfToken }: { csrfToken: string }) {
  return (
    <form id={BULK_FORM} method="post" action="/admin/users/bulk" class="flex flex-wrap items-end gap-2">
      <CsrfField token={csrfToken} />
      <div class="space-y-1">
        <label for="bulk-action" class="block text-xs font-medium text-slate-600 dark:text-slate-400">
          With the selected users
        </label>
        <select id="bulk-action" name="action" class="block rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-950">
          {Object.entries(BULK_LABELS).map(([value, label]) => (
            <option value={value} safe>
              {label.option}
            </option>
          ))}
        </select>
      </div>
      <Button variant="secondary">Apply to selected</Button>
    </form>
  );
}

/** Who a destructive bulk action will touch, and the real POST. */
export function BulkConfirmPage({ action, users, missing, csrfToken }: { action: BulkAction; users: User[]; missing: number; csrfToken: string }) {
  const label = BULK_LABELS[action];
  const count = users.length + missing;
  return (
    <Card title={`${label.verb} ${count} ${count === 1 ? "user" : "users"}?`} danger>
      <ul class="list-disc space-y-1 pl-5 text-sm">
        {users.map((user) => (
          <li class="break-all" safe>{`${user.username} (${user.email})`}</li>
        ))}
        {missing > 0 ? <li safe>{`${missing} selected ${missing === 1 ? "account no longer exists" : "accounts no longer exist"}`}</li> : ""}
      </ul>
      {action === "delete" ? <p class="mt-4 text-sm text-slate-600 dark:text-slate-300">Deleting cannot be undone. The audit history stays.</p> : ""}
      <form method="post" action="/admin/users/bulk" class="mt-6 flex flex-wrap gap-3">
        <CsrfField token={csrfToken} />
        <input type="hidden" name="action" value={action} />
        <input type="hidden" name="confirmed" value="yes" />
        {users.map((user) => (
          <input type="hidden" name={attr(idField(user.id))} value="on" />
        ))}
        <Button variant="danger">{Html.escapeHtml(`${label.verb} ${count === 1 ? "this user" : `these ${count} users`}`)}</Button>
        <a href="/admin/users" class={buttonClass("secondary")}>
          Cancel
        </a>
      </form>
    </Card>
  );
}

/** One row per selected id: done, or why not. */
export function BulkResultsPage({ action, results, names }: { action: BulkAction; results: BulkResult[]; names: Map<string, string> }) {
  const done = results.filter((row) => row.ok).length;
  return (
    <div>
      <AdminHeader tab="users" title={`${BULK_LABELS[action].option}: ${done} of ${results.length} done`}>
        <a href="/admin/users" class={buttonClass("secondary")}>
          Back to users
        </a>
      </AdminHeader>
      <Table label="Results" head={<><Th>User</Th><Th>Result</Th></>}>
        {results.map((row) => (
          <tr>
            <Td class="break-all">
              <span safe>{names.get(row.id) ?? row.id}</span>
            </Td>
            <Td>{row.ok ? <Badge color="green" text={BULK_LABELS[action].done} /> : <Badge color="red" text={REFUSALS[row.code ?? ""] ?? `Refused (${row.code ?? "error"})`} />}</Td>
          </tr>
        ))}
      </Table>
    </div>
  );
}
