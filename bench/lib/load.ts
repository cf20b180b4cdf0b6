/**
 * Load generation: wrk (with a generated Lua script) when installed, else autocannon under Node.
 * Every run reports req/s, p50/p90/p99/max latency and errors, where an error is a socket
 * error, a timeout, or any non-2xx answer (counted by a response hook where the run has one;
 * static runs count wrk's >= 400 and rely on the probe and the server's /metrics for 3xx).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/** What each request is: a fixed request, or one of the dynamic kinds (per-request body or a token chain). */
export type Dynamic =
  /** POST {refresh_token}: each connection presents the token the previous refresh of its session issued. */
  | { kind: "refresh"; tokensFile: string }
  /**
   * POST {username_or_email, password}: cycles over users `${prefix}${first..first+count-1}${suffix}`
   * (`field` names the identifier, e.g. "email" for better-auth). With `ips`, each request comes
   * from one of that many X-Forwarded-For addresses in turn (`${ipPrefix}.<0..255>.<1..>`).
   */
  | { kind: "login"; prefix: string; first: number; count: number; password: string; headers?: Record<string, string>; field?: string; suffix?: string; ips?: number; ipPrefix?: string };

export interface LoadSpec {
  label: string;
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  seconds: number;
  connections: number;
  threads: number;
  timeoutSeconds?: number;
  dynamic?: Dynamic;
  /** Count every status in a response hook (costs load-generator CPU; off for the fastest static runs). */
  countStatuses?: boolean;
}

export interface LoadResult {
  label: string;
  tool: "wrk" | "autocannon";
  seconds: number;
  requests: number;
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: { connect: number; read: number; write: number; timeout: number; non2xx: number; total: number };
  /** Answers by status code, when counted. */
  statuses?: Record<string, number>;
  /** CPU seconds (user + system) the server process spent during the run, when known. */
  serverCpuSeconds?: number;
}

export type Tool = "wrk" | "autocannon";

export function pickTool(): Tool {
  if (process.env.BENCH_LOADGEN === "autocannon") return "autocannon";
  if (process.env.BENCH_LOADGEN === "wrk" || Bun.which("wrk")) return "wrk";
  return "autocannon";
}

const luaString = (value: string) => JSON.stringify(value); // JSON string escapes are valid Lua escapes for our ASCII inputs

function luaHeaders(headers: Record<string, string>): string {
  return `{ ${Object.entries(headers)
    .map(([name, value]) => `[${luaString(name)}] = ${luaString(value)}`)
    .join(", ")} }`;
}

/** The Lua for one wrk run: static request or a dynamic kind, status counting, and a JSON summary from done(). */
function wrkScript(spec: LoadSpec): string {
  const headers = spec.headers ?? {};
  const lines: string[] = [];
  lines.push(`wrk.method = ${luaString(spec.method ?? "GET")}`);
  if (spec.body !== undefined) lines.push(`wrk.body = ${luaString(spec.body)}`);
  for (const [name, value] of Object.entries(headers)) lines.push(`wrk.headers[${luaString(name)}] = ${luaString(value)}`);
  lines.push(`
local threads = {}
local next_id = 0
function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end
counts = {}
lost = 0
`);
  const dynamic = spec.dynamic;
  const counting = spec.countStatuses || dynamic !== undefined;
  if (dynamic?.kind === "refresh") {
    lines.push(`
local queue, head, tail = {}, 1, 0
function init(args)
  local n = 0
  for line in io.lines(${luaString(dynamic.tokensFile)}) do
    if line ~= "" then
      if n % ${spec.threads} == tid then tail = tail + 1; queue[tail] = line end
      n = n + 1
    end
  end
end
local json_headers = ${luaHeaders({ ...headers, "Content-Type": "application/json" })}
function request()
  local token = "pool-exhausted"
  if head <= tail then token = queue[head]; queue[head] = nil; head = head + 1 end
  return wrk.format("POST", nil, json_headers, '{"refresh_token":"' .. token .. '"}')
end
local function on_response(status, headers, body)
  local cookie = headers["set-cookie"] or headers["Set-Cookie"]
  local token = cookie and string.match(cookie, "refresh_token=([^;]+)")
  if status == 200 and token then tail = tail + 1; queue[tail] = token else lost = lost + 1 end
end
`);
  } else if (dynamic?.kind === "login") {
    lines.push(`
local i = 0
local json_headers = ${luaHeaders({ ...headers, ...dynamic.headers, "Content-Type": "application/json" })}
function request()
  i = i + 1
  local n = ${dynamic.first} + (tid + i * ${spec.threads}) % ${dynamic.count}
${dynamic.ips ? `  local ip = (tid + i * ${spec.threads}) % ${dynamic.ips}
  json_headers["X-Forwarded-For"] = ${luaString(dynamic.ipPrefix ?? "10.77")} .. "." .. math.floor(ip / 250) .. "." .. (ip % 250 + 1)
` : ""}  return wrk.format("POST", nil, json_headers, '{"${dynamic.field ?? "username_or_email"}":"${dynamic.prefix}' .. n .. '${dynamic.suffix ?? ""}","password":' .. ${luaString(JSON.stringify(dynamic.password))} .. '}')
end
local function on_response(status, headers, body) end
`);
  } else {
    lines.push(`local function on_response(status, headers, body) end`);
  }
  if (counting) {
    lines.push(`
function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
  on_response(status, headers, body)
end
`);
  }
  lines.push(`
function done(summary, latency, requests)
  local e = summary.errors
  local parts = {}
  local non2xx = ${counting ? "0" : "e.status"}
  for _, thread in ipairs(threads) do
    local c = thread:get("counts")
    if c then
      for status, n in pairs(c) do
        parts[#parts + 1] = string.format('"%d":%d', status, n)
        if status < 200 or status > 299 then non2xx = non2xx + n end
      end
    end
  end
  io.write(string.format('\\nBENCH_JSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"non2xx":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d,"statuses":{%s}}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, non2xx,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, table.concat(parts, ",")))
end
`);
  return lines.join("\n");
}

/** Merges per-thread status counts (the same status appears once per thread). */
function mergeStatuses(raw: string): Record<string, number> {
  const merged: Record<string, number> = {};
  for (const match of raw.matchAll(/"(\d+)":(\d+)/g)) merged[match[1]!] = (merged[match[1]!] ?? 0) + Number(match[2]);
  return merged;
}

async function runWrk(spec: LoadSpec, workDir: string): Promise<LoadResult> {
  const script = join(workDir, `${spec.label.replace(/[^a-z0-9]+/gi, "_")}_${Date.now()}.lua`);
  writeFileSync(script, wrkScript(spec));
  const args = ["wrk", `-t${spec.threads}`, `-c${spec.connections}`, `-d${spec.seconds}s`, `--timeout`, `${spec.timeoutSeconds ?? 5}s`, "-s", script, spec.url];
  const proc = Bun.spawn(args, { stdout: "pipe", stderr: "pipe" });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const line = out.split("\n").find((l) => l.startsWith("BENCH_JSON "));
  if (!line) throw new Error(`wrk gave no summary for ${spec.label}:\n${out}\n${err}`);
  const statusesRaw = /"statuses":\{([^}]*)\}/.exec(line)?.[1] ?? "";
  const json = JSON.parse(line.slice("BENCH_JSON ".length).replace(/"statuses":\{[^}]*\}/, '"statuses":{}')) as Record<string, number>;
  const seconds = json.duration_us! / 1e6;
  const errors = { connect: json.connect!, read: json.read!, write: json.write!, timeout: json.timeout!, non2xx: json.non2xx!, total: 0 };
  errors.total = errors.connect + errors.read + errors.write + errors.timeout + errors.non2xx;
  return {
    label: spec.label,
    tool: "wrk",
    seconds,
    requests: json.requests!,
    rps: json.requests! / seconds,
    p50Ms: json.p50! / 1000,
    p90Ms: json.p90! / 1000,
    p99Ms: json.p99! / 1000,
    maxMs: json.max! / 1000,
    errors,
    statuses: statusesRaw ? mergeStatuses(statusesRaw) : undefined,
  };
}

async function runAutocannon(spec: LoadSpec): Promise<LoadResult> {
  const driver = join(import.meta.dir, "autocannon-driver.mjs");
  const runtime = Bun.which("node") ?? process.execPath;
  const proc = Bun.spawn([runtime, driver, JSON.stringify(spec)], { stdout: "pipe", stderr: process.env.BENCH_DEBUG ? "inherit" : "pipe" });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const line = out.split("\n").find((l) => l.startsWith("BENCH_JSON "));
  if (!line) throw new Error(`autocannon gave no summary for ${spec.label}:\n${out}\n${err}`);
  return { ...(JSON.parse(line.slice("BENCH_JSON ".length)) as LoadResult), label: spec.label, tool: "autocannon" };
}

export function runLoad(tool: Tool, spec: LoadSpec, workDir: string): Promise<LoadResult> {
  return tool === "wrk" ? runWrk(spec, workDir) : runAutocannon(spec);
}

/** One figure for several runs of one target: summed requests over summed time; p50 averaged, p99 and max the worst. */
export function combine(label: string, runs: LoadResult[]): LoadResult {
  const seconds = runs.reduce((sum, run) => sum + run.seconds, 0);
  const requests = runs.reduce((sum, run) => sum + run.requests, 0);
  const sum = (pick: (errors: LoadResult["errors"]) => number) => runs.reduce((total, run) => total + pick(run.errors), 0);
  const statuses: Record<string, number> = {};
  for (const run of runs) for (const [status, n] of Object.entries(run.statuses ?? {})) statuses[status] = (statuses[status] ?? 0) + n;
  return {
    label,
    tool: runs[0]!.tool,
    seconds,
    requests,
    rps: requests / seconds,
    p50Ms: runs.reduce((total, run) => total + run.p50Ms * run.requests, 0) / Math.max(1, requests),
    p90Ms: Math.max(...runs.map((run) => run.p90Ms)),
    p99Ms: Math.max(...runs.map((run) => run.p99Ms)),
    maxMs: Math.max(...runs.map((run) => run.maxMs)),
    errors: {
      connect: sum((e) => e.connect),
      read: sum((e) => e.read),
      write: sum((e) => e.write),
      timeout: sum((e) => e.timeout),
      non2xx: sum((e) => e.non2xx),
      total: sum((e) => e.total),
    },
    statuses: Object.keys(statuses).length > 0 ? statuses : undefined,
    serverCpuSeconds: runs.every((run) => run.serverCpuSeconds !== undefined) ? runs.reduce((total, run) => total + run.serverCpuSeconds!, 0) : undefined,
  };
}

/** Server CPU microseconds per answered request: a figure that other load on the machine disturbs much less than req/s. */
export function cpuPerRequest(result: LoadResult): number | null {
  return result.serverCpuSeconds === undefined || result.requests === 0 ? null : (result.serverCpuSeconds * 1e6) / result.requests;
}
