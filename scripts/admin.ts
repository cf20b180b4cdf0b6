/**
 * Operator commands:
 *   bun run admin create --email ada@example.com --username ada     (password read from stdin)
 *   bun run admin promote ada@example.com
 * They use the same configuration as the server (DATABASE_URL, or the embedded database in DATA_DIR).
 */
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config";
import { openDatabase } from "../src/db/client";
import { AppError } from "../src/errors";
import { createAdminUser, promoteUser } from "../src/modules/admin/bootstrap";

const USAGE = "usage: bun run admin create --email <email> --username <name>  (password on stdin)\n       bun run admin promote <email>";

async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write("Password: ");
  const text = await new Response(Bun.stdin.stream()).text();
  return text.replace(/\r?\n$/, "");
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    args: Bun.argv.slice(2),
    allowPositionals: true,
    options: { email: { type: "string" }, username: { type: "string" } },
  });
  const [command, argument] = positionals;
  if (command !== "create" && command !== "promote") {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig();
  const database = await openDatabase(config);
  try {
    await database.migrate();
    if (command === "create") {
      if (!values.email || !values.username) {
        console.error(USAGE);
        return 2;
      }
      const user = await createAdminUser(database.db, config, { email: values.email, username: values.username, password: await readPassword() }, new Date());
      console.log(`admin created: ${user.username} <${user.email}> (${user.id})`);
    } else {
      if (!argument) {
        console.error(USAGE);
        return 2;
      }
      const user = await promoteUser(database.db, argument, new Date());
      console.log(`promoted to admin: ${user.username} <${user.email}>`);
    }
    return 0;
  } catch (error) {
    if (error instanceof AppError) {
      const fields = Object.values((error.details.fields as Record<string, string> | undefined) ?? {});
      console.error(`admin: ${[error.message, ...fields].join(": ")}`);
      return 1;
    }
    throw error;
  } finally {
    await database.close();
  }
}

process.exit(await main());
