import { t } from "elysia";
import { AuthModel } from "../auth/model";

const role = t.Union([t.Literal("user"), t.Literal("admin")]);
const dateTime = t.String({ format: "date-time" });

export const AdminUser = t.Object({
  id: t.String({ format: "uuid" }),
  username: t.String(),
  email: t.String(),
  email_verified: t.Boolean(),
  role,
  status: t.Union([t.Literal("active"), t.Literal("disabled")]),
  disabled_at: t.Nullable(dateTime),
  last_login_at: t.Nullable(dateTime),
  created_at: dateTime,
  updated_at: dateTime,
});

const pageFields = {
  total: t.Integer(),
  page: t.Integer(),
  per_page: t.Integer(),
  total_pages: t.Integer(),
};

const pageQuery = {
  page: t.Optional(t.Numeric({ description: "1-based; clamped to at least 1" })),
  per_page: t.Optional(t.Numeric({ description: "Clamped to 1..100; default 20" })),
};

export const AuditEvent = t.Object({
  id: t.String({ format: "uuid" }),
  action: t.String(),
  actor_id: t.Nullable(t.String()),
  target_id: t.Nullable(t.String()),
  ip: t.Nullable(t.String()),
  user_agent: t.Nullable(t.String()),
  details: t.Record(t.String(), t.Unknown()),
  created_at: dateTime,
});

export const AdminModel = {
  userListQuery: t.Object({
    ...pageQuery,
    search: t.Optional(t.String({ maxLength: 200, description: "Case-insensitive fragment of username or email" })),
    role: t.Optional(role),
    email_verified: t.Optional(t.BooleanString()),
    status: t.Optional(t.Union([t.Literal("active"), t.Literal("disabled")])),
    sort: t.Optional(t.String({ maxLength: 20, description: "created_at, last_login_at, username or email; prefix - for descending (default -created_at)" })),
  }),
  userList: t.Object({
    users: t.Array(AdminUser),
    ...pageFields,
    total_exact: t.Boolean({ description: "False when more than 10,000 match: total is then the database's estimate" }),
  }),
  userDetail: t.Composite([AdminUser, t.Object({ session_count: t.Integer() })]),
  roleBody: t.Object({ role }),
  sessions: t.Object({ sessions: t.Array(t.Omit(AuthModel.session, ["current"])) }),
  stats: t.Object({
    total_users: t.Integer(),
    verified_users: t.Integer(),
    admin_users: t.Integer(),
    disabled_users: t.Integer(),
    active_sessions: t.Integer(),
    signups_7d: t.Integer(),
  }),
  auditQuery: t.Object({
    ...pageQuery,
    user_id: t.Optional(t.String({ format: "uuid", error: "user_id must be a UUID" })),
    action: t.Optional(t.String({ maxLength: 64 })),
  }),
  auditList: t.Object({ events: t.Array(AuditEvent), ...pageFields }),
};
