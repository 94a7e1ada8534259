import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import puppeteer, { type Browser, type Page } from 'puppeteer-core'
import { PASSWORD } from '../helpers/daemon.ts'

/** Debian's chromium (installed by .ci/run); CHROMIUM_PATH points elsewhere. Never downloaded. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Where the screenshots go: test-output/screenshots/ in the repository (gitignored, kept after the run). */
export const SCREENSHOTS = fileURLToPath(new URL('../../../test-output/screenshots/', import.meta.url))

export const DESKTOP = { width: 1280, height: 900 }
export const PHONE = { width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 1 }

export async function launchChromium (): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no browser at ${CHROMIUM}: the web UI tests need Debian's chromium (apt-get install chromium, as .ci/run does) or CHROMIUM_PATH`)
  }
  await mkdir(SCREENSHOTS, { recursive: true })
  // --no-sandbox: CI runs as root, where chromium's sandbox cannot start.
  return puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
}

/** What a page did that a test must see: JavaScript dialogs (alert(1) from an injection), errors, CSP refusals. */
export interface Watched {
  readonly dialogs: string[]
  readonly errors: string[]
}

/** A page that answers the Basic auth challenge with the test password and records dialogs and errors. */
export async function openPage (browser: Browser, password = PASSWORD): Promise<{ page: Page, watched: Watched }> {
  const page = await browser.newPage()
  const watched: Watched = { dialogs: [], errors: [] }
  await page.authenticate({ username: 'operator', password })
  page.on('dialog', (dialog) => { watched.dialogs.push(`${dialog.type()}: ${dialog.message()}`); void dialog.dismiss() })
  page.on('pageerror', (err) => { watched.errors.push(String(err)) })
  page.on('console', (msg) => { if (msg.type() === 'error') watched.errors.push(msg.text()) })
  return { page, watched }
}

/** Loads a UI page and waits until its script says it is done (body[data-loaded]); returns that state. */
export async function visit (page: Page, url: string): Promise<string> {
  await page.goto(url, { waitUntil: 'load' })
  await page.waitForSelector('body[data-loaded]', { timeout: 30_000 })
  return await page.evaluate('document.body.dataset.loaded') as string
}

export async function text (page: Page, selector: string): Promise<string> {
  return await page.evaluate(`(document.querySelector(${JSON.stringify(selector)}) || { textContent: '' }).textContent`) as string
}

export async function count (page: Page, selector: string): Promise<number> {
  return await page.evaluate(`document.querySelectorAll(${JSON.stringify(selector)}).length`) as number
}

/** Screenshots at desktop and phone width, named after the page. */
export async function screenshots (page: Page, name: string, url: string): Promise<void> {
  for (const [size, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
    await page.setViewport(viewport)
    await visit(page, url)
    await page.screenshot({ path: `${SCREENSHOTS}${name}-${size}.png`, fullPage: true })
  }
  await page.setViewport(DESKTOP)
}
