CREATE INDEX "users_username_sort_idx" ON "users" USING btree ("username","id");--> statement-breakpoint
CREATE INDEX "users_email_sort_idx" ON "users" USING btree ("email","id");--> statement-breakpoint
CREATE INDEX "users_last_login_sort_idx" ON "users" USING btree ("last_login_at" desc nulls last,"id" desc);