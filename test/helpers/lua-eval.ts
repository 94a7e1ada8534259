import { type RunningDaemon, request } from './daemon.ts'

/**
 * Config for a custom endpoint `eval` that runs the Lua chunk in attrs.code and answers its
 * returned table with every value passed through tostring() (so integers and floats stay distinct).
 */
export const EVAL_ENDPOINT = `
function __eval(args)
  local chunk = assert(load(args.attrs.code, "=eval"))
  local out = {}
  for k, v in pairs(chunk() or {}) do out[tostring(k)] = tostring(v) end
  return true, out
end
setCustomEndpoint("eval", __eval)
`

/** Runs `code` (a chunk that returns a table) through the eval endpoint; throws with the reason when it fails. */
export async function evalLua (d: RunningDaemon, code: string): Promise<Record<string, string>> {
  const res = await request(`${d.url}/command/eval`, { body: { attrs: { code } } })
  if (res.status !== 200 || res.body?.success !== true) throw new Error(`eval failed (${res.status}): ${res.text}`)
  return res.body.r_attrs as Record<string, string>
}
