/**
 * Summarises a .cpuprofile (from BENCH_PROFILE=1 bun run bench, or bun --cpu-prof) by sample
 * counts, not by time deltas: an idle process's next sample carries the whole idle gap, which
 * makes time-weighted tables blame whatever ran after a pause.
 *
 *   bun bench/profile-summary.ts bench/profiles/CPU.*.cpuprofile [top=40] [filter]
 *
 * Prints self and inclusive samples per function (file:line), and per file/package.
 */
import { readFileSync } from "node:fs";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
}

const [file, topArg, filter] = process.argv.slice(2);
if (!file) {
  console.error("usage: bun bench/profile-summary.ts <file.cpuprofile> [top] [filter]");
  process.exit(2);
}
const top = Number(topArg ?? 40);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const short = (url: string) => url.replace(/^.*\/node_modules\//, "npm:").replace(/^.*\/work\/main\//, "");
const label = (node: Node) => `${node.callFrame.functionName || "(anonymous)"}  ${short(node.callFrame.url) || "[native]"}${node.callFrame.url ? `:${node.callFrame.lineNumber + 1}` : ""}`;
const area = (node: Node) => {
  const url = short(node.callFrame.url);
  if (!url) return node.callFrame.functionName.startsWith("(") ? node.callFrame.functionName : "[native]";
  const pkg = /^npm:((?:@[^/]+\/)?[^/]+)/.exec(url);
  return pkg ? `npm:${pkg[1]}` : url;
};

const self = new Map<string, number>();
const inclusive = new Map<string, number>();
const selfArea = new Map<string, number>();
let total = 0;
let idle = 0;
for (const id of profile.samples) {
  const node = byId.get(id)!;
  const name = node.callFrame.functionName;
  if (name === "(idle)" || name === "(program)" || name === "(garbage collector)") {
    if (name === "(idle)") {
      idle++;
      continue;
    }
  }
  const stack: Node[] = [];
  for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) stack.push(byId.get(current)!);
  if (filter && !stack.some((frame) => label(frame).includes(filter))) continue;
  total++;
  self.set(label(node), (self.get(label(node)) ?? 0) + 1);
  selfArea.set(area(node), (selfArea.get(area(node)) ?? 0) + 1);
  for (const key of new Set(stack.map(label))) inclusive.set(key, (inclusive.get(key) ?? 0) + 1);
}

const pct = (n: number) => `${((100 * n) / total).toFixed(1).padStart(5)}%`;
const print = (title: string, map: Map<string, number>) => {
  console.log(`\n## ${title}`);
  for (const [key, n] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(n)} ${String(n).padStart(6)}  ${key}`);
};
console.log(`${file}: ${total} busy samples${filter ? ` under "${filter}"` : ""}, ${idle} idle`);
print("self, by area", selfArea);
print("self, by function", self);
print("inclusive, by function", inclusive);
