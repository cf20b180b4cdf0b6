/**
 * One line per event, JSON in production. Callers pass plain fields; nothing here knows about
 * requests, and callers never pass passwords, tokens or cookies.
 */
type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level | "silent", number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  level: Level | "silent";
  format: "json" | "pretty";
  /** Where finished lines go; stdout by default, a buffer in tests. */
  write?: (line: string) => void;
}

/**
 * Control, line-separator, bidi and invisible characters, and lone surrogates, leave as \\u
 * escapes: a value a client chose can never start a new log line or hide part of one.
 */
const UNSAFE_FOR_LOG = /[\u0000-\u001F\u007F-\u009F\u061C\u2028\u2029\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]|\p{Default_Ignorable_Code_Point}|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/gu;

/** Printable ASCII holds none of them: most values (ids, routes, addresses) skip the Unicode scan. */
const PRINTABLE_ASCII = /^[\x20-\x7E]*$/;

export function escapeForLog(text: string): string {
  if (PRINTABLE_ASCII.test(text)) return text;
  UNSAFE_FOR_LOG.lastIndex = 0;
  if (!UNSAFE_FOR_LOG.test(text)) return text;
  return text.replace(UNSAFE_FOR_LOG, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function clean(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return escapeForLog(value);
  if (depth > 4 || typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => clean(item, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) {
    // A class instance (a Date, a URL, a driver's object) is logged as its JSON form, cleaned
    // like any other value: its strings may carry what a client sent.
    let plain: unknown;
    try {
      plain = JSON.parse(JSON.stringify(value) ?? "null");
    } catch {
      return "[unserialisable]";
    }
    return typeof plain === "object" && plain !== null ? clean(plain, depth + 1) : clean(plain, depth);
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[escapeForLog(key)] = clean(item, depth + 1);
  return out;
}

/** Fields that need no cleaning: scalars and printable-ASCII strings under printable-ASCII keys other than the line's own. */
function isFlatAscii(fields: LogFields): boolean {
  if (Object.getPrototypeOf(fields) !== Object.prototype) return false;
  for (const key in fields) {
    if (key === "time" || key === "level" || key === "msg" || !PRINTABLE_ASCII.test(key)) return false;
    const value = fields[key];
    if (typeof value === "string") {
      if (!PRINTABLE_ASCII.test(value)) return false;
    } else if (typeof value === "object" && value !== null) return false;
  }
  return true;
}

function pretty(level: Level, message: string, fields: LogFields): string {
  const extras = Object.entries(fields)
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" ");
  return `${new Date().toISOString().slice(11, 23)} ${level.toUpperCase().padEnd(5)} ${message}${extras ? ` ${extras}` : ""}`;
}

/**
 * Lines written within one turn of the event loop leave in one write: a write per request line
 * cost a third of the throughput of a busy server. Pending lines are flushed at exit.
 */
function batchedStdout(): (line: string) => void {
  let pending: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = `${pending.join("\n")}\n`;
    pending = [];
    process.stdout.write(text);
  };
  process.on("exit", flush);
  return (line) => {
    pending.push(line);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
}

export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? batchedStdout();
  const threshold = ORDER[options.level];
  // Lines within one millisecond share the formatted time (a busy server writes dozens).
  let stampedAt = 0;
  let stamp = "";
  const time = () => {
    const now = Date.now();
    if (now !== stampedAt) {
      stampedAt = now;
      stamp = new Date(now).toISOString();
    }
    return stamp;
  };
  const log = (level: Level, message: string, fields: LogFields = {}) => {
    if (ORDER[level] < threshold) return;
    const safeMessage = escapeForLog(message);
    // The request line (every request) is flat printable ASCII: written as it is, no cleaned copy.
    if (options.format === "json" && isFlatAscii(fields)) {
      const rest = JSON.stringify(fields);
      write(`{"time":"${time()}","level":"${level}","msg":${JSON.stringify(safeMessage)}${rest === "{}" ? "}" : `,${rest.slice(1)}`}`);
      return;
    }
    const safeFields = clean(fields) as LogFields;
    write(
      options.format === "json"
        ? JSON.stringify({ time: time(), level, msg: safeMessage, ...safeFields })
        : pretty(level, safeMessage, safeFields),
    );
  };
  return {
    debug: (message, fields) => log("debug", message, fields),
    info: (message, fields) => log("info", message, fields),
    warn: (message, fields) => log("warn", message, fields),
    error: (message, fields) => log("error", message, fields),
  };
}

export const silentLogger: Logger = createLogger({ level: "silent", format: "json" });
