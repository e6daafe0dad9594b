import { cp, readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { UnderstudyError } from '../errors.js'
import type { CliIo } from './program.js'

/** Shipped with the package (`files` in package.json): specs/ and fixtures/ to copy. */
const TEMPLATE = fileURLToPath(new URL('../../templates/init', import.meta.url))

/**
 * `understudy init [dir]`: writes the example spec, fixture and scenario set into `dir`.
 * It writes nothing if `specs/` or `fixtures/` is already there.
 */
export async function init (dir: string, io: CliIo): Promise<void> {
  const folders = await readdir(TEMPLATE)
  const present = []
  for (const folder of folders) {
    if (await stat(path.join(dir, folder)).then(() => true, () => false)) present.push(folder)
  }
  if (present.length > 0) {
    throw new UnderstudyError('UNDERSTUDY_INIT_EXISTS', `${present.map((folder) => `${folder}/`).join(' and ')} in ${path.resolve(dir)}; nothing was written`)
  }
  for (const folder of folders) await cp(path.join(TEMPLATE, folder), path.join(dir, folder), { recursive: true, errorOnExist: true, force: false })
  const files = (await readdir(TEMPLATE, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile())
  io.stdout([
    ...files.map((entry) => `understudy: wrote ${path.join(path.relative(TEMPLATE, entry.parentPath), entry.name)}`),
    '',
    'Next:',
    '  npx understudy serve        # serves specs/ on http://127.0.0.1:4010',
    '  curl -s http://127.0.0.1:4010/api/todos',
    "  curl -s http://127.0.0.1:4010/api/todos/404                          # the fixture's 404",
    "  curl -s http://127.0.0.1:4010/api/todos -H 'x-mock-scenario: empty'  # the scenario set",
    '  open http://127.0.0.1:4010/__mock/docs for the docs, /__mock/operations for every scenario',
    ''
  ].join('\n'))
}
