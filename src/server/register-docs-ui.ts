import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { problem, sendProblem } from '../respond/problem.js'

/** Swagger UI's own files, copied from swagger-ui-dist into dist/swagger-ui at build time. */
const ASSETS_FOLDER = new URL('../../dist/swagger-ui/', import.meta.url)
const ASSET_TYPES: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
  'oauth2-redirect.html': 'text/html; charset=utf-8',
  'oauth2-redirect.js': 'text/javascript; charset=utf-8'
}

interface Asset { type: string, body: Buffer, etag: string }

export interface DocsUiOptions {
  /** Where the page is, as a browser sees it (`/__mock/docs`, or `/mock/__mock/docs` under a prefix). */
  base: string
  /** Fastify's route for the page, relative to the instance's prefix. */
  route: string
  urls: ReadonlyArray<{ name: string, url: string }>
}

/**
 * Swagger UI at `route`: the page, its initializer (the spec list), and its assets, each read
 * from disk once, on first request, then answered from memory with an ETag (304 when unchanged).
 */
export function registerDocsUi (app: FastifyInstance, { base, route, urls }: DocsUiOptions): void {
  const page = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>understudy: API docs</title>
    <link rel="stylesheet" type="text/css" href="${base}/static/swagger-ui.css" />
    <link rel="stylesheet" type="text/css" href="${base}/static/index.css" />
    <link rel="icon" type="image/png" href="${base}/static/favicon-32x32.png" sizes="32x32" />
    <link rel="icon" type="image/png" href="${base}/static/favicon-16x16.png" sizes="16x16" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${base}/static/swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="${base}/static/swagger-ui-standalone-preset.js" charset="UTF-8"></script>
    <script src="${base}/static/swagger-initializer.js" charset="UTF-8"></script>
  </body>
</html>
`
  const config = JSON.stringify({
    urls,
    'urls.primaryName': urls[0]?.name,
    dom_id: '#swagger-ui',
    deepLinking: true,
    layout: 'StandaloneLayout'
  })
  const initializer = `window.onload = function () {
  var config = ${config};
  config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset];
  config.plugins = [SwaggerUIBundle.plugins.DownloadUrl];
  config.oauth2RedirectUrl = window.location.origin + ${JSON.stringify(`${base}/static/oauth2-redirect.html`)};
  window.ui = SwaggerUIBundle(config);
};
`
  const assets = new Map<string, Promise<Asset>>()
  const load = (name: string, type: string): Promise<Asset> => {
    let asset = assets.get(name)
    if (asset === undefined) {
      asset = readFile(new URL(name, ASSETS_FOLDER)).then((body) => ({
        type, body, etag: `"${createHash('sha1').update(body).digest('base64url')}"`
      }))
      assets.set(name, asset)
    }
    return asset
  }

  const sendPage = async (_request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => reply.type('text/html; charset=utf-8').send(page)
  app.get(route, sendPage)
  app.get(`${route}/`, sendPage)
  app.get(`${route}/static/swagger-initializer.js`, async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(initializer))
  app.get<{ Params: { file: string } }>(`${route}/static/:file`, async (request, reply) => {
    const type = Object.hasOwn(ASSET_TYPES, request.params.file) ? ASSET_TYPES[request.params.file] : undefined
    if (type === undefined) return sendProblem(reply, problem('not-found', `No docs asset named '${request.params.file}'.`))
    const asset = await load(request.params.file, type)
    reply.header('cache-control', 'no-cache').header('etag', asset.etag)
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send()
    return reply.type(asset.type).send(asset.body)
  })
}
