import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import t from 'tap'
import { ROOT } from './helpers.js'

// The specs must stay clean under Spectral's spectral:oas ruleset (.spectral.yaml).
t.test('specs/ has no Spectral finding at all (errors, warnings or hints)', async (t) => {
  const spectral = `${ROOT}node_modules/.bin/spectral`
  const { stdout } = await promisify(execFile)(spectral, ['lint', 'specs/*.yaml', '--ruleset', '.spectral.yaml', '--fail-severity', 'hint', '--format', 'json', '--quiet'], { cwd: ROOT })
  t.strictSame(JSON.parse(stdout), [])
})
