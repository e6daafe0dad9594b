import type { FastifyPluginAsync } from 'fastify'
import { prepareMock, type MockOptions } from './prepare-mock.js'
import { registerMock } from './register-mock.js'

export type MockPluginOptions = MockOptions

/**
 * The mock inside another Fastify app: `app.register(understudy, { prefix: '/mock', specs })`.
 * Encapsulated, as Fastify plugins are: its body parsers, error handler, CORS and the
 * `understudy` decorator live in its own context, and the host's logger logs it. Under a
 * prefix it answers the prefix's unknown paths; without one, the host keeps its 404.
 */
export const understudy: FastifyPluginAsync<MockPluginOptions> = async (app, options) => {
  const prepared = await prepareMock(options)
  // The host's request logging stays as the host set it.
  app.decorate('understudy', await registerMock(app, prepared, options, { ownsNotFound: app.prefix !== '', logAnswers: false }))
}

export default understudy
