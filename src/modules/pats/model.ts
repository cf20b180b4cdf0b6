import { Type } from "@sinclair/typebox";
import { t } from "elysia";
import { PAT_SCOPES, type PatScope } from "../../db/schema";
import { DateTime, Integer, named, nullable, requestBody, responseObject } from "../../http/model";
import { MAX_EXPIRY_DAYS } from "./service";

// A string with an enum (as ErrorCode): a union of literals would be rebuilt as a bare enum and lose its name.
const Scope = named("PatScope", Type.Unsafe<PatScope>(Type.String({ enum: [...PAT_SCOPES], description: "What a personal access token may do (docs/tokens.md)" })));

const patFields = {
  id: t.String({ format: "uuid" }),
  name: t.String({ examples: ["deploy script"] }),
  scopes: t.Array(Scope),
  created_at: DateTime(),
  expires_at: DateTime(),
  last_used_at: nullable(DateTime(), { description: "Resolution: one minute" }),
};
const Pat = named("PersonalAccessToken", responseObject(patFields));

export const PatModel = {
  create: named(
    "CreatePersonalAccessTokenRequest",
    requestBody({
      name: t.String({ minLength: 1, maxLength: 100, error: "Name must be 1 to 100 characters", examples: ["deploy script"] }),
      // Plain strings: an unknown scope is answered by the service with a message naming the known ones.
      scopes: t.Array(t.String({ maxLength: 50 }), { minItems: 1, maxItems: PAT_SCOPES.length * 2, error: `Scopes: a list of ${PAT_SCOPES.join(", ")}`, examples: [["profile:read"]] }),
      expires_in_days: t.Optional(Integer({ minimum: 1, maximum: MAX_EXPIRY_DAYS, error: `expires_in_days must be a whole number from 1 to ${MAX_EXPIRY_DAYS}`, description: "Lifetime in days; default 90" })),
    }),
  ),
  created: named("CreatedPersonalAccessToken", responseObject({ ...patFields, token: t.String({ description: "The token itself (`cbt_…`): shown this once, never again" }) })),
  pat: Pat,
  list: named("PersonalAccessTokenList", responseObject({ tokens: t.Array(Pat) })),
};
