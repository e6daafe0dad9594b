import type { FastifyInstance } from 'fastify'
import { fileURLToPath } from 'node:url'
import { buildMockServer, type MockServerOptions } from '../src/index.js'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const SPECS = fileURLToPath(new URL('../specs', import.meta.url))
export const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url))

export function testSpec (name: string): string {
  return fileURLToPath(new URL(`./specs/${name}`, import.meta.url))
}

interface Teardown { teardown: (fn: () => unknown) => void }

/** A fresh mock for one test file, closed when the test ends. */
export async function buildMock (t: Teardown, options: MockServerOptions = {}): Promise<FastifyInstance> {
  const app = await buildMockServer({ specs: [SPECS], fixtures: FIXTURES, ...options })
  t.teardown(async () => await app.close())
  return app
}

export const BEARER = { authorization: 'Bearer test-token' }
