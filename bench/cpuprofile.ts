/** Self-time analysis of a V8 .cpuprofile (what `node --cpu-prof` writes). */

interface CallFrame { functionName: string, url: string, lineNumber: number }
interface ProfileNode { id: number, callFrame: CallFrame, children?: number[] }
export interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

export interface FrameTime {
  readonly name: string
  readonly where: string
  readonly category: string
  readonly selfMs: number
  /** Share of the busy (non-idle) time. */
  readonly share: number
}

export interface ProfileSummary {
  readonly totalMs: number
  readonly idleMs: number
  readonly frames: FrameTime[]
  readonly categories: Array<{ category: string, selfMs: number, share: number }>
}

/** Where a frame's code lives, coarse enough to say which layer the time goes to. */
export function categoryOf (url: string, name: string): string {
  // No url: V8's pseudo-frames, or native code (JSON.parse, RegExp, the libuv writev binding).
  if (url === '') return name.startsWith('(') ? name : 'native (syscall bindings, JSON, RegExp)'
  if (url.startsWith('wasm://')) return 'Lua VM (WebAssembly)'
  if (url.startsWith('node:')) return 'Node.js core (http, net, streams)'
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (nm !== null) return `dependency ${nm[1] ?? ''}`
  if (url.includes('/dist/src/') || url.includes('/src/')) return 'trackalert'
  return 'other'
}

function shortUrl (url: string): string {
  const i = url.search(/\/(dist\/src|node_modules)\//)
  return i >= 0 ? url.slice(i + 1) : url.replace(/^file:\/\//, '')
}

/** Index of the first sample whose stack has a frame from a url matching `re`, or -1. */
function firstSampleUnder (p: CpuProfile, re: RegExp): number {
  const parent = new Map<number, number>()
  const frame = new Map<number, CallFrame>()
  for (const n of p.nodes) {
    frame.set(n.id, n.callFrame)
    for (const c of n.children ?? []) parent.set(c, n.id)
  }
  for (let i = 0; i < p.samples.length; i++) {
    for (let id: number | undefined = p.samples[i]; id !== undefined; id = parent.get(id)) {
      if (re.test(frame.get(id)?.url ?? '')) return i
    }
  }
  return -1
}

/**
 * Sums self time per function+url over one or more profiles (one per process of a multi-process
 * daemon), each from its first sample under a frame whose url matches `startAt` (the first request:
 * start-up work such as loading regexes is left out); a process that served no request is skipped.
 * Sample i lasts until sample i+1 (timeDeltas[i+1]), the last one until endTime, as Chrome
 * DevTools counts it.
 */
export function summariseProfile (profiles: CpuProfile | readonly CpuProfile[], top = 10, startAt?: RegExp): ProfileSummary {
  const times = new Map<string, { cf: CallFrame, us: number }>()
  let totalUs = 0
  let idleUs = 0
  for (const p of Array.isArray(profiles) ? profiles : [profiles]) {
    const first = startAt === undefined ? 0 : firstSampleUnder(p, startAt)
    if (first < 0) continue
    const byId = new Map<number, CallFrame>()
    for (const n of p.nodes) byId.set(n.id, n.callFrame)
    let ts = p.startTime
    const stamps: number[] = []
    for (const d of p.timeDeltas) { ts += d; stamps.push(ts) }
    for (let i = first; i < p.samples.length; i++) {
      const cf = byId.get(p.samples[i] ?? -1)
      if (cf === undefined) continue
      const us = Math.max(0, (i + 1 < stamps.length ? stamps[i + 1] ?? 0 : p.endTime) - (stamps[i] ?? 0))
      totalUs += us
      if (cf.functionName === '(idle)') { idleUs += us; continue }
      const key = `${cf.functionName}\u0000${cf.url}`
      const entry = times.get(key)
      if (entry === undefined) times.set(key, { cf, us })
      else entry.us += us
    }
  }
  const busyUs = totalUs - idleUs
  const share = (us: number): number => (busyUs > 0 ? us / busyUs : 0)
  const all = [...times.values()].sort((a, b) => b.us - a.us)
  const frames = all.slice(0, top).map(({ cf, us }) => ({
    name: cf.functionName === '' ? '(anonymous)' : cf.functionName,
    where: cf.url === '' ? '' : `${shortUrl(cf.url)}:${cf.lineNumber + 1}`,
    category: categoryOf(cf.url, cf.functionName),
    selfMs: us / 1000,
    share: share(us)
  }))
  const cats = new Map<string, number>()
  for (const { cf, us } of all) {
    const c = categoryOf(cf.url, cf.functionName)
    cats.set(c, (cats.get(c) ?? 0) + us)
  }
  const categories = [...cats.entries()].sort((a, b) => b[1] - a[1]).map(([category, us]) => ({ category, selfMs: us / 1000, share: share(us) }))
  return { totalMs: totalUs / 1000, idleMs: idleUs / 1000, frames, categories }
}

/** `requests` (served while sampling) adds a µs-per-request column. */
export function formatProfile (s: ProfileSummary, requests = 0): string {
  const pct = (v: number): string => `${(v * 100).toFixed(1).padStart(5)}%`
  const perReq = (ms: number): string => (requests > 0 ? `${(ms * 1000 / requests).toFixed(1).padStart(6)} µs/req  ` : '')
  const busy = s.totalMs - s.idleMs
  const lines = [
    `busy ${busy.toFixed(0)} ms of ${s.totalMs.toFixed(0)} ms sampled (idle ${s.idleMs.toFixed(0)} ms)${requests > 0 ? `, ${requests} requests, ${perReq(busy).trim()} busy` : ''}; shares are of busy time`,
    '', 'top self-time frames:'
  ]
  s.frames.forEach((f, i) => lines.push(`${String(i + 1).padStart(2)}. ${pct(f.share)} ${f.selfMs.toFixed(0).padStart(7)} ms  ${perReq(f.selfMs)}${f.name}  ${f.where}  [${f.category}]`))
  lines.push('', 'by layer:')
  for (const c of s.categories) lines.push(`    ${pct(c.share)} ${c.selfMs.toFixed(0).padStart(7)} ms  ${perReq(c.selfMs)}${c.category}`)
  return lines.join('\n')
}
