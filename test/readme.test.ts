import { readFile } from 'node:fs/promises'
import t from 'tap'
import { ERROR_CODES, PROBLEMS } from '../dist/index.js'
import { ROOT } from './helpers.js'

t.test('the README shows the consumer example test exactly as npm test runs it', async (t) => {
  const readme = await readFile(`${ROOT}README.md`, 'utf8')
  const example = await readFile(`${ROOT}test/consumer-example.test.ts`, 'utf8')
  t.ok(readme.includes('```ts\n' + example + '```\n'), 'README.md embeds test/consumer-example.test.ts')
})

t.test('the README names every error code and every problem type', async (t) => {
  const readme = await readFile(`${ROOT}README.md`, 'utf8')
  for (const code of Object.keys(ERROR_CODES)) t.ok(readme.includes(`\`${code}\``), code)
  for (const kind of Object.keys(PROBLEMS)) t.ok(readme.includes(`\`urn:understudy:error:${kind}\``), kind)
})
