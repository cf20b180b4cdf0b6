// Loaded before every test file (bunfig.toml). Tests build their config explicitly through
// tests/helpers/app.ts; only the choice of backends comes from the environment.
process.env.NODE_ENV = "test";
