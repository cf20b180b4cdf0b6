// Loaded before the test files (bunfig.toml). Tests build their config explicitly through
// tests/helpers/app.ts; only the choice of backends comes from the environment.
process.env.NODE_ENV = "test";

// Creating and migrating the PGlite template takes seconds; do it once here, before any
// file's beforeAll, so no hook runs into its timeout on a busy machine.
if (!process.env.DATABASE_URL) {
  const { warmUpTestDatabases } = await import("./helpers/backends");
  await warmUpTestDatabases();
}
export {};
