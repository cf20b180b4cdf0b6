/**
 * The fallback load generator when wrk is not installed: runs one LoadSpec (see load.ts) with
 * autocannon under Node and prints one "BENCH_JSON {...}" line shaped like load.ts's LoadResult.
 */
import { readFileSync } from "node:fs";
import autocannon from "autocannon";

const spec = JSON.parse(process.argv[2]);
const statuses = {};
const count = (status) => (statuses[status] = (statuses[status] ?? 0) + 1);

function requests() {
  const dynamic = spec.dynamic;
  if (!dynamic) {
    return [{ method: spec.method ?? "GET", headers: spec.headers, body: spec.body, onResponse: (status) => count(status) }];
  }
  const json = { ...spec.headers, ...(dynamic.headers ?? {}), "content-type": "application/json" };
  if (dynamic.kind === "refresh") {
    const queue = readFileSync(dynamic.tokensFile, "utf8").split("\n").filter(Boolean);
    return [
      {
        method: "POST",
        headers: json,
        setupRequest(request, context) {
          context.token ??= queue.shift() ?? "pool-exhausted";
          return { ...request, body: JSON.stringify({ refresh_token: context.token }) };
        },
        onResponse(status, _body, context, headers) {
          count(status);
          const name = Object.keys(headers ?? {}).find((key) => key.toLowerCase() === "set-cookie");
          const raw = name ? headers[name] : undefined;
          const cookie = Array.isArray(raw) ? raw.join(";") : (raw ?? "");
          const token = /refresh_token=([^;]+)/.exec(cookie)?.[1];
          if (process.env.BENCH_DEBUG && status !== 200) console.error(status, JSON.stringify(headers), _body?.slice?.(0, 200));
          context.token = status === 200 && token ? token : undefined;
        },
      },
    ];
  }
  let i = 0;
  return [
    {
      method: "POST",
      headers: json,
      setupRequest(request) {
        const k = i++;
        const n = dynamic.first + (k % dynamic.count);
        const headers = dynamic.ips ? { ...json, "x-forwarded-for": `${dynamic.ipPrefix ?? "10.77"}.${Math.floor((k % dynamic.ips) / 250)}.${((k % dynamic.ips) % 250) + 1}` } : json;
        return { ...request, headers, body: JSON.stringify({ [dynamic.field ?? "username_or_email"]: `${dynamic.prefix}${n}${dynamic.suffix ?? ""}`, password: dynamic.password }) };
      },
      onResponse: (status) => count(status),
    },
  ];
}

const result = await autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.seconds,
  timeout: spec.timeoutSeconds ?? 5,
  requests: requests(),
});

const non2xx = Object.entries(statuses).reduce((sum, [status, n]) => (Number(status) >= 200 && Number(status) < 300 ? sum : sum + n), 0);
const errors = { connect: 0, read: result.errors - result.timeouts, write: 0, timeout: result.timeouts, non2xx, total: 0 };
errors.total = errors.read + errors.timeout + errors.non2xx;
const seconds = result.duration;
console.log(
  `BENCH_JSON ${JSON.stringify({
    seconds,
    requests: result.requests.total,
    rps: result.requests.total / seconds,
    p50Ms: result.latency.p50,
    p90Ms: result.latency.p90,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    errors,
    statuses,
  })}`,
);
