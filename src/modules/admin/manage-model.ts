/** Schemas of the user-management routes (./manage-routes.ts) and of accepting an invitation. */
import { t } from "elysia";
import { Integer, named, requestBody, responseObject, Uuid } from "../../http/model";
import { Text } from "../../http/text";
import { Email, NewPassword, Username } from "../auth/model";
import { BULK_ACTIONS } from "./manage";

const role = t.Union([t.Literal("user"), t.Literal("admin")], { description: "Default `user`" });

/** At most one page of the list (per_page is at most 100). */
export const BULK_MAX = 100;

export const ManageModel = {
  createUser: named("CreateUserRequest", requestBody({ username: Username, email: Email, role: t.Optional(role) })),
  updateUser: named(
    "UpdateUserRequest",
    requestBody({
      username: t.Optional(Username),
      email: t.Optional(Email),
      email_verified: t.Optional(t.Boolean({ description: "A new email is unverified unless this says true" })),
    }),
  ),
  sessionsEnded: named("UserSessionsEnded", responseObject({ sessions_ended: Integer({ description: "Sessions that were live and are now ended", examples: [2] }) })),
  bulk: named(
    "BulkUserAction",
    requestBody({
      action: t.Union(
        BULK_ACTIONS.map((action) => t.Literal(action)),
        { error: `action must be one of ${BULK_ACTIONS.join(", ")}` },
      ),
      ids: t.Array(Uuid, { minItems: 1, maxItems: BULK_MAX, description: `1 to ${BULK_MAX} user ids; a repeated id is acted on once`, error: `ids must be 1 to ${BULK_MAX} user ids` }),
    }),
  ),
  bulkResults: named(
    "BulkUserResults",
    responseObject({
      results: t.Array(
        named(
          "BulkUserResult",
          responseObject({
            id: t.String({ format: "uuid" }),
            ok: t.Boolean(),
            code: t.Optional(t.String({ description: "Why this id was refused: the error code the single action answers (not_found, last_admin, cannot_modify_self)", examples: ["last_admin"] })),
          }),
        ),
      ),
    }),
  ),
  acceptInvite: named(
    "AcceptInviteRequest",
    requestBody({ token: Text({ minLength: 1, maxLength: 512, error: "A token is required", description: "The token from the invitation link" }), password: NewPassword }),
  ),
};
