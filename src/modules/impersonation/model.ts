import { t } from "elysia";
import { DateTime, Integer, named, requestBody, responseObject, Uuid } from "../../http/model";
import { Text } from "../../http/text";
import { Me } from "../auth/model";

export const ImpersonationModel = {
  params: t.Object({ id: Uuid }),
  start: named(
    "ImpersonationRequest",
    requestBody({
      // Three characters that are not spaces: a reason of blanks says nothing in the audit log.
      reason: Text({ minLength: 3, maxLength: 500, pattern: "^(?:\\s*\\S){3}", error: "Say why (3 to 500 characters): it goes into the audit log", examples: ["Ticket 4711: user cannot see their invoices"] }),
    }),
  ),
  started: named(
    "ImpersonationResponse",
    responseObject({
      access_token: t.String({ description: "JWT for the impersonated session; its `act.sub` claim names the administrator" }),
      token_type: t.Literal("Bearer"),
      expires_in: Integer({ description: "Seconds until the access token expires", examples: [900] }),
      refresh_token: t.String({ description: "Refreshes the impersonated session (POST /auth/refresh with it in the body); no cookie is set, so the administrator's own session is untouched" }),
      user: Me,
      impersonation: responseObject({
        impersonator_id: Uuid,
        reason: t.String(),
        ends_at: DateTime({ description: "The session ends then, whatever refreshes happen" }),
      }),
    }),
  ),
};

export type ImpersonationRequest = typeof ImpersonationModel.start.static;
