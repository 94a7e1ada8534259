import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { basename, extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { TrackalertError } from '../errors.ts'

export interface UiAsset {
  readonly type: string
  readonly body: Buffer
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml'
}

/** The package's ui/ folder: three levels above dist/src/http (two above src/http when run from source). */
function uiFolder (): string {
  for (const rel of ['../../../ui/', '../../ui/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url))
    try {
      if (readdirSync(dir).includes('layout.html')) return dir
    } catch {
      // try the next location
    }
  }
  throw new TrackalertError('TA_ERR_WEB_UI', 'the web UI files (ui/layout.html) are missing from the package')
}

/**
 * The pages: ui/layout.html (head, header, navigation: one copy) around each ui/pages/NAME.html,
 * which holds the page's <main>. The page's title is its heading; its script is NAME.js.
 */
function buildPages (dir: string, assets: Map<string, UiAsset>): void {
  const layout = readFileSync(join(dir, 'layout.html'), 'utf8')
  for (const file of readdirSync(join(dir, 'pages'))) {
    if (extname(file) !== '.html') continue
    const name = basename(file, '.html')
    const main = readFileSync(join(dir, 'pages', file), 'utf8').trimEnd()
    const title = /<h2 id="page-title">([^<]*)<\/h2>/.exec(main)?.[1]
    if (title === undefined) throw new TrackalertError('TA_ERR_WEB_UI', `the web UI page ui/pages/${file} has no <h2 id="page-title">`)
    const page = layout.replace('%TITLE%', title).replace('%PAGE%', name).replace('%MAIN%', main)
    assets.set(file, { type: TYPES['.html'], body: Buffer.from(page) })
  }
}

/**
 * Every file the UI serves, read once: the pages from ui/ and the charting library from
 * node_modules (never a CDN). Only these names are served, so no request path reaches the file system.
 */
function loadAssets (): Map<string, UiAsset> {
  const dir = uiFolder()
  const assets = new Map<string, UiAsset>()
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)]
    if (type !== undefined && name !== 'layout.html') assets.set(name, { type, body: readFileSync(join(dir, name)) })
  }
  buildPages(dir, assets)
  const require = createRequire(import.meta.url)
  const uplotDir = join(require.resolve('uplot'), '..')
  assets.set('vendor/uPlot.js', { type: TYPES['.js'], body: readFileSync(join(uplotDir, 'uPlot.iife.min.js')) })
  assets.set('vendor/uPlot.css', { type: TYPES['.css'], body: readFileSync(join(uplotDir, 'uPlot.min.css')) })
  return assets
}

let cached: Map<string, UiAsset> | null = null

/** The asset at a path under /ui/ ('' is the overview), or undefined. Loaded on the first UI request. */
export function uiAsset (path: string): UiAsset | undefined {
  cached ??= loadAssets()
  return cached.get(path === '' ? 'overview.html' : path)
}
