// Build step: copies the web pages' files into dist/. The few Swagger UI files the docs page
// uses come from swagger-ui-dist (a devDependency) into dist/swagger-ui, so the installed
// package carries 2 MB of assets instead of a static-file server and the whole
// distribution; the control panel's from src/panel into dist/panel. Skips files already current.
import { copyFileSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

const FILES = [
  'swagger-ui.css', 'index.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js',
  'favicon-32x32.png', 'favicon-16x16.png', 'oauth2-redirect.html', 'oauth2-redirect.js',
  'LICENSE', 'NOTICE', 'package.json'
]


const current = (source, target) => {
  try {
    const [a, b] = [statSync(source), statSync(target)]
    return a.size === b.size && b.mtimeMs >= a.mtimeMs
  } catch {
    return false
  }
}

const copy = (from, to, files) => {
  mkdirSync(to, { recursive: true })
  for (const file of files) {
    const [source, target] = [path.join(from, file), path.join(to, file)]
    if (!current(source, target)) copyFileSync(source, target)
  }
}

copy(path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json')), new URL('../dist/swagger-ui/', import.meta.url).pathname, FILES)
const panel = new URL('../src/panel/', import.meta.url).pathname
copy(panel, new URL('../dist/panel/', import.meta.url).pathname, readdirSync(panel))
