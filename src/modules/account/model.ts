import { t } from "elysia";
import { Email, NewPassword } from "../auth/model";

const Token = t.String({ minLength: 1, maxLength: 512, error: "A token is required" });

export const AccountModel = {
  verifyEmail: t.Object({ token: Token }),
  forgotPassword: t.Object({ email: Email }),
  resetPassword: t.Object({ token: Token, password: NewPassword }),
  changePassword: t.Object({
    current_password: t.String({ minLength: 1, maxLength: 1024, error: "Enter your current password" }),
    new_password: NewPassword,
  }),
  accepted: t.Object({ message: t.String() }),
  ok: t.Object({ message: t.String() }),
};
