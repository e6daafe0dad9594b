// Before `tsc -p tsconfig.test.json` (incremental): removes what dist-test/ still holds of
// a test that is gone from test/, since tsc never deletes an output and tap would run it.
import { existsSync, readdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const built = path.join(root, 'dist-test')
if (existsSync(built)) {
  for (const file of readdirSync(built, { recursive: true, encoding: 'utf8' })) {
    const source = file.match(/^(.*)\.js(\.map)?$/)?.[1]
    if (source !== undefined && !existsSync(path.join(root, 'test', `${source}.ts`))) rmSync(path.join(built, file))
  }
}
