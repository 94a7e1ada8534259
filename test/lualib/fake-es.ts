import { type ServerResponse } from 'node:http'
import { sendJson, startHttpServer, type TestServer } from './servers.ts'

export type Doc = Record<string, string | number | boolean>

export interface FakeEs extends TestServer {
  /** Requests seen: method, path, authorization header, parsed body. */
  readonly requests: Array<{ method: string, path: string, auth: string | undefined, body: unknown }>
}

type Query = Record<string, unknown>

/**
 * Just enough of Elasticsearch's _search to answer the policies' queries for real: bool filters
 * with term/terms/range/match_all, `size`, and terms aggregations (buckets sorted by count, then key),
 * with Elasticsearch's error bodies for unknown indices and queries it cannot parse.
 */
export async function startFakeEs (indices: Record<string, Doc[]>, opts: { auth?: string, delayMs?: number } = {}): Promise<FakeEs> {
  const requests: FakeEs['requests'] = []
  const server = await startHttpServer((req, raw, res) => {
    const path = req.url ?? '/'
    let body: unknown = null
    try {
      body = raw.length === 0 ? null : JSON.parse(raw.toString('utf8'))
    } catch {
      error(res, 400, 'parse_exception', 'request body is required to be valid JSON')
      return
    }
    requests.push({ method: req.method ?? '', path, auth: req.headers.authorization, body })
    if (opts.auth !== undefined && req.headers.authorization !== opts.auth) {
      error(res, 401, 'security_exception', 'missing authentication credentials for REST request')
      return
    }
    const answer = (): void => {
      const url = new URL(path, 'http://x')
      if (url.pathname === '/_cluster/health') { sendJson(res, 200, { cluster_name: 'test', status: 'green' }); return }
      const m = /^\/([^/]+)\/_search$/.exec(url.pathname)
      if (m === null || req.method !== 'POST') { error(res, 405, 'illegal_argument_exception', `no handler for ${req.method} ${url.pathname}`); return }
      const names = decodeURIComponent(m[1]).split(',')
      const missing = names.find((n) => indices[n] === undefined)
      if (missing !== undefined) { error(res, 404, 'index_not_found_exception', `no such index [${missing}]`); return }
      try {
        sendJson(res, 200, search(names.flatMap((n) => indices[n]), (body ?? {}) as Query))
      } catch (err) {
        error(res, 400, 'parsing_exception', (err as Error).message)
      }
    }
    if (opts.delayMs !== undefined) setTimeout(answer, opts.delayMs)
    else answer()
  })
  return { ...server, requests }
}

function error (res: ServerResponse, status: number, type: string, reason: string): void {
  sendJson(res, status, { error: { root_cause: [{ type, reason }], type, reason }, status })
}

function matches (doc: Doc, q: Query): boolean {
  const [kind, spec] = Object.entries(q)[0] ?? ['match_all', {}]
  const s = spec as Record<string, unknown>
  switch (kind) {
    case 'match_all': return true
    case 'term': return Object.entries(s).every(([f, v]) => doc[f] === (typeof v === 'object' && v !== null ? (v as { value: unknown }).value : v))
    case 'terms': return Object.entries(s).every(([f, v]) => (v as unknown[]).includes(doc[f]))
    case 'range': return Object.entries(s).every(([f, r]) => {
      const { gte, lt } = r as { gte?: number, lt?: number }
      const v = doc[f] as number
      return (gte === undefined || v >= gte) && (lt === undefined || v < lt)
    })
    case 'bool': {
      const list = (x: unknown): Query[] => (x === undefined ? [] : Array.isArray(x) ? x : [x as Query])
      return list(s.filter).every((c) => matches(doc, c)) && list(s.must).every((c) => matches(doc, c)) &&
        !list(s.must_not).some((c) => matches(doc, c))
    }
    default: throw new Error(`unknown query [${kind}]`)
  }
}

function search (docs: Doc[], body: Query): unknown {
  const hits = docs.filter((d) => matches(d, (body.query ?? { match_all: {} }) as Query))
  const size = (body.size as number | undefined) ?? 10
  const aggregations: Record<string, unknown> = {}
  for (const [name, agg] of Object.entries((body.aggs ?? body.aggregations ?? {}) as Record<string, Query>)) {
    const terms = agg.terms as { field: string, size?: number } | undefined
    if (terms === undefined) throw new Error(`unknown aggregation type in [${name}]`)
    const counts = new Map<string, number>()
    for (const d of hits) {
      if (d[terms.field] !== undefined) counts.set(String(d[terms.field]), (counts.get(String(d[terms.field])) ?? 0) + 1)
    }
    const buckets = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, terms.size ?? 10)
      .map(([key, count]) => ({ key, doc_count: count }))
    aggregations[name] = { doc_count_error_upper_bound: 0, sum_other_doc_count: 0, buckets }
  }
  return {
    took: 1,
    timed_out: false,
    _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
    hits: {
      total: { value: hits.length, relation: 'eq' },
      max_score: null,
      hits: hits.slice(0, size).map((d, i) => ({ _index: 'logins', _id: String(i), _score: null, _source: d }))
    },
    ...(Object.keys(aggregations).length > 0 ? { aggregations } : {})
  }
}
