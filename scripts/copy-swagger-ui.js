// Build step: copies the few Swagger UI files the docs page uses from swagger-ui-dist (a
// devDependency) into dist/swagger-ui, so the installed package carries 2 MB of assets
// instead of a static-file server and the whole distribution. Skips files already current.
import { copyFileSync, mkdirSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

const FILES = [
  'swagger-ui.css', 'index.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js',
  'favicon-32x32.png', 'favicon-16x16.png', 'oauth2-redirect.html', 'oauth2-redirect.js',
  'LICENSE', 'NOTICE', 'package.json'
]

const from = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))
const to = new URL('../dist/swagger-ui/', import.meta.url).pathname
mkdirSync(to, { recursive: true })

const current = (source, target) => {
  try {
    const [a, b] = [statSync(source), statSync(target)]
    return a.size === b.size && b.mtimeMs >= a.mtimeMs
  } catch {
    return false
  }
}

for (const file of FILES) {
  const [source, target] = [path.join(from, file), path.join(to, file)]
  if (!current(source, target)) copyFileSync(source, target)
}
