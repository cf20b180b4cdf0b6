import { t } from "elysia";
import { DateTime, Integer, named, nullable, requestBody, responseObject, Uuid } from "../../http/model";
import { AdminSession } from "../auth/model";
import { Text } from "../../http/text";

/** The orders the users list can be sorted by (each also descending with a leading `-`). */
export const SORT_FIELDS = ["created_at", "last_login_at", "username", "email"] as const;
export type SortField = (typeof SORT_FIELDS)[number];

const role = t.Union([t.Literal("user"), t.Literal("admin")]);
const status = t.Union([t.Literal("active"), t.Literal("disabled")]);

const userFields = {
  id: t.String({ format: "uuid" }),
  username: t.String({ examples: ["ada_lovelace"] }),
  email: t.String({ examples: ["ada@example.com"] }),
  email_verified: t.Boolean(),
  role,
  status,
  disabled_at: nullable(DateTime()),
  last_login_at: nullable(DateTime()),
  created_at: DateTime(),
  updated_at: DateTime(),
};
export const AdminUser = named("User", responseObject(userFields));

const pageFields = {
  total: Integer({ description: "Items matching the filters", examples: [42] }),
  page: Integer({ examples: [1] }),
  per_page: Integer({ examples: [20] }),
  total_pages: Integer({ examples: [3] }),
};

// Out-of-range values are clamped, not refused: page below 1 is 1, per_page is brought into 1..100.
const pageQuery = {
  page: t.Optional(t.Integer({ description: "1-based page number; values below 1 are read as 1", default: 1 })),
  per_page: t.Optional(t.Integer({ description: "Items per page, 1 to 100; smaller values are read as 1, larger as 100", default: 20 })),
};

const sortValues = SORT_FIELDS.flatMap((field) => [field, `-${field}`]);

export const AuditEvent = named(
  "AuditEvent",
  responseObject({
    id: t.String({ format: "uuid" }),
    action: t.String({ examples: ["login"] }),
    actor_id: nullable(t.String({ format: "uuid" })),
    target_id: nullable(t.String({ format: "uuid" })),
    ip: nullable(t.String()),
    user_agent: nullable(t.String()),
    details: t.Object({}, { additionalProperties: true }),
    created_at: DateTime(),
  }),
);

export const AdminModel = {
  userListQuery: t.Object({
    ...pageQuery,
    search: t.Optional(Text({ maxLength: 200, description: "Case-insensitive fragment of username or email" })),
    role: t.Optional(role),
    email_verified: t.Optional(t.Boolean()),
    status: t.Optional(status),
    has_mfa: t.Optional(t.Boolean({ description: "Only users with (true) or without (false) a second factor" })),
    sort: t.Optional(
      t.Union(
        sortValues.map((value) => t.Literal(value)),
        { description: "Sort field; prefix `-` for descending (default `-created_at`)", error: `Sort by one of ${SORT_FIELDS.join(", ")}, prefixed with - for descending` },
      ),
    ),
  }),
  userList: named(
    "UserPage",
    responseObject({
      users: t.Array(AdminUser),
      ...pageFields,
      total_exact: t.Boolean({ description: "False when more than `exact_limit` match: `total` (at least exact_limit + 1) is then the database's estimate and `total_pages` follows from it; every page is still exact, only the last page number is not known" }),
      exact_limit: Integer({ description: "Totals are counted exactly up to this many matches (ADMIN_EXACT_TOTAL_LIMIT, default 10,000)", examples: [10000] }),
    }),
  ),
  user: AdminUser,
  userDetail: named(
    "UserDetail",
    responseObject({
      ...userFields,
      session_count: Integer({ description: "Active sessions" }),
      mfa: named("UserMfa", responseObject({ totp: t.Boolean({ description: "An authenticator app is enabled" }), passkeys: Integer({ minimum: 0, description: "Registered passkeys" }) })),
    }),
  ),
  roleBody: named("RoleChange", requestBody({ role })),
  sessions: named("AdminSessionList", responseObject({ sessions: t.Array(AdminSession) })),
  stats: named(
    "Stats",
    responseObject({
      total_users: Integer(),
      verified_users: Integer(),
      admin_users: Integer(),
      disabled_users: Integer(),
      active_sessions: Integer(),
      signups_7d: Integer({ description: "Sign-ups in the last 7 days" }),
    }),
  ),
  auditQuery: t.Object({
    ...pageQuery,
    user_id: t.Optional(t.String({ format: "uuid", error: "user_id must be a UUID" })),
    user: t.Optional(Text({ maxLength: 254, description: "A username, an email or a user id, exactly (any case); deleted accounts included" })),
    action: t.Optional(Text({ maxLength: 64 })),
    from: t.Optional(t.String({ format: "date", description: "First UTC day included (YYYY-MM-DD)", error: "from must be a date (YYYY-MM-DD)" })),
    to: t.Optional(t.String({ format: "date", description: "Last UTC day included (YYYY-MM-DD)", error: "to must be a date (YYYY-MM-DD)" })),
  }),
  auditList: named("AuditPage", responseObject({ events: t.Array(AuditEvent), ...pageFields })),
  idParams: t.Object({ id: Uuid }),
};
