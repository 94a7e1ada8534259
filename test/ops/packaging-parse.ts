// Minimal parsers for the packaging files, enough for the checks in packaging.test.ts.

export interface UnitDirective {
  section: string
  key: string
  value: string
  line: number
  /** The nearest non-blank line above is a comment. */
  commented: boolean
}

/** systemd unit syntax: [Section], Key=Value, # or ; comments. Continuation lines are not used in our file. */
export function parseUnit (text: string): UnitDirective[] {
  const out: UnitDirective[] = []
  let section = ''
  let previous = ''
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim()
    if (line === '') return
    const isComment = line.startsWith('#') || line.startsWith(';')
    if (!isComment) {
      const header = /^\[(.+)\]$/.exec(line)
      if (header !== null) {
        section = header[1] as string
      } else {
        const eq = line.indexOf('=')
        if (eq <= 0) throw new Error(`line ${i + 1}: not a directive: ${line}`)
        out.push({ section, key: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim(), line: i + 1, commented: previous.startsWith('#') })
      }
    }
    previous = line
  })
  return out
}

export interface DockerInstruction {
  keyword: string
  args: string
}

export interface DockerStage {
  base: string
  name: string | undefined
  instructions: DockerInstruction[]
}

/** Dockerfile instructions grouped by stage; comments dropped, backslash continuations joined. */
export function parseDockerfile (text: string): DockerStage[] {
  const logical: string[] = []
  let pending = ''
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (pending === '' && (line === '' || line.startsWith('#'))) continue
    if (line.startsWith('#')) continue
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' '
      continue
    }
    logical.push((pending + line).trim())
    pending = ''
  }
  if (pending !== '') logical.push(pending.trim())
  const stages: DockerStage[] = []
  for (const entry of logical) {
    const match = /^(\S+)\s+([\s\S]*)$/.exec(entry)
    if (match === null) throw new Error(`bad instruction: ${entry}`)
    const keyword = (match[1] as string).toUpperCase()
    const args = (match[2] as string).replace(/\s+/g, ' ')
    if (keyword === 'FROM') {
      const from = /^(?:--platform=\S+ )?(\S+)(?: AS (\S+))?$/i.exec(args)
      if (from === null) throw new Error(`bad FROM: ${args}`)
      stages.push({ base: from[1] as string, name: from[2], instructions: [] })
      continue
    }
    const stage = stages.at(-1)
    if (stage === undefined) throw new Error(`${keyword} before FROM`)
    stage.instructions.push({ keyword, args })
  }
  return stages
}

/** .dockerignore semantics for the simple patterns we use: the last matching line wins; `!` re-includes. */
export function isIgnored (patterns: readonly string[], path: string): boolean {
  let ignored = false
  for (const raw of patterns) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const negate = line.startsWith('!')
    const pattern = (negate ? line.slice(1) : line).replace(/^\/+|\/+$/g, '')
    const matches = pattern === '*' || path === pattern || path.startsWith(pattern + '/')
    if (matches) ignored = !negate
  }
  return ignored
}
