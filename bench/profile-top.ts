/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- --cpu-prof`) without a browser:
 * `node --import tsx bench/profile-top.ts bench/results/profiles/<file>.cpuprofile [top]`.
 * Prints the share of samples per package or source file, then the functions with the most
 * self time. Only the main thread is in the profile: "(idle)" includes time the event loop
 * spent waiting for argon2 or libvips worker threads.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** node_modules/<package> (scoped too), src/<file>, node:<module>, or V8's own (program), (garbage collector)… */
function owner(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1]) return pkg[1];
  const src = /\/(src|dist|bench)\/(.+)$/.exec(url);
  if (src?.[1] && src[2]) return `${src[1]}/${src[2]}`;
  return url.startsWith('node:') ? url : url.replace(/^file:\/\//, '');
}

export function summarise(profile: CpuProfile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const total = [...selfMs.values()].reduce((a, b) => a + b, 0);

  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, ms] of selfMs) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const who = owner(url, functionName);
    byOwner.set(who, (byOwner.get(who) ?? 0) + ms);
    const fn = `${functionName || '(anonymous)'} ${who}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
  }
  const table = (title: string, entries: Map<string, number>) => {
    const rows = [...entries].sort((a, b) => b[1] - a[1]).slice(0, top);
    return [
      `${title} (of ${(total / 1000).toFixed(1)} s sampled)`,
      ...rows.map(([k, ms]) => `${((100 * ms) / total).toFixed(1).padStart(5)}%  ${(ms / 1000).toFixed(2).padStart(7)} s  ${k}`),
    ].join('\n');
  };
  return `${table('Self time by package or file', byOwner)}\n\n${table('Self time by function', byFunction)}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('Usage: node --import tsx bench/profile-top.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  process.stdout.write(summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, top ? Number(top) : 25));
}
