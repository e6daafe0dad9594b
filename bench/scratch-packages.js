// npm packages the benchmarks read or run (real specs, Prism), installed into a scratch
// folder of their own, never into the project's dependencies.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

/** Where package `[name, version]` is installed under `dir`. */
export const packageFolder = (dir, [name]) => path.join(dir, 'node_modules', name)

function installedVersion (dir, pkg) {
  try {
    return JSON.parse(readFileSync(path.join(packageFolder(dir, pkg), 'package.json'), 'utf8')).version
  } catch {
    return undefined
  }
}

/**
 * Installs `packages` ([name, version] each) into `dir` unless all are already there. All
 * are named each time: npm removes installed packages that its package.json lacks.
 * `scripts`: whether their install scripts run (data packages need none).
 */
export function ensurePackages (dir, packages, { scripts = false } = {}) {
  if (packages.every((pkg) => installedVersion(dir, pkg) === pkg[1])) return
  mkdirSync(dir, { recursive: true })
  // Without its own package.json, npm would look for one further up and install there.
  if (!existsSync(path.join(dir, 'package.json'))) writeFileSync(path.join(dir, 'package.json'), '{ "private": true }\n')
  const specs = packages.map(([name, version]) => `${name}@${version}`)
  process.stderr.write(`installing ${specs.join(' ')} into ${dir}\n`)
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const result = spawnSync(npm, ['install', '--prefix', dir, '--no-audit', '--no-fund', ...(scripts ? [] : ['--ignore-scripts']), ...specs], { stdio: ['ignore', 'inherit', 'inherit'] })
  const missing = packages.filter((pkg) => installedVersion(dir, pkg) !== pkg[1])
  if (result.status !== 0 || missing.length > 0) throw new Error(`npm install into ${dir} failed (${result.error?.message ?? `exit ${result.status}`})`)
}
