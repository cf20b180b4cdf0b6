import { t } from "elysia";
import { named, requestBody, responseObject } from "../../http/model";
import { Email, NewPassword } from "../auth/model";

const Token = t.String({ minLength: 1, maxLength: 512, error: "A token is required", description: "The token from the emailed link" });
const Message = named("Message", responseObject({ message: t.String({ examples: ["Done."] }) }));

export const AccountModel = {
  verifyEmail: named("VerifyEmailRequest", requestBody({ token: Token })),
  forgotPassword: named("ForgotPasswordRequest", requestBody({ email: Email })),
  resetPassword: named("ResetPasswordRequest", requestBody({ token: Token, password: NewPassword })),
  changePassword: named(
    "ChangePasswordRequest",
    requestBody({
      current_password: t.String({ minLength: 1, maxLength: 1024, error: "Enter your current password" }),
      new_password: NewPassword,
    }),
  ),
  accepted: Message,
  ok: Message,
};
