ALTER TABLE "users" ALTER COLUMN "password_hash" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "oauth_accounts" ADD COLUMN "id" uuid DEFAULT gen_random_uuid() NOT NULL;--> statement-breakpoint
ALTER TABLE "oauth_accounts" ADD COLUMN "email" text;--> statement-breakpoint
CREATE UNIQUE INDEX "oauth_accounts_id_key" ON "oauth_accounts" USING btree ("id");