import type { FastifyInstance } from 'fastify'
import { CONTROL_PREFIX } from '../openapi/index-operations.js'
import { staticAssets } from './static-assets.js'

/** The control panel's files, copied from src/panel into dist/panel at build time. */
const PANEL_FOLDER = new URL('../../dist/panel/', import.meta.url)
const PANEL_TYPES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'panel.js': 'text/javascript; charset=utf-8',
  'panel.css': 'text/css; charset=utf-8'
}

/**
 * The control panel at `/__mock/`: a page of plain HTML and JavaScript over the control
 * surface (specs, operations, sessions, the journal, coverage), whose URLs are relative to
 * it, so it needs the trailing slash: `/__mock` is redirected there.
 */
export function registerPanel (app: FastifyInstance): void {
  const send = staticAssets(PANEL_FOLDER, PANEL_TYPES, 'panel file')
  app.get(CONTROL_PREFIX, async (_request, reply) => reply.redirect(`${app.prefix}${CONTROL_PREFIX}/`))
  app.get(`${CONTROL_PREFIX}/`, async (request, reply) => await send('index.html', request, reply))
  app.get<{ Params: { file: string } }>(`${CONTROL_PREFIX}/panel/:file`, async (request, reply) => await send(request.params.file, request, reply))
}
