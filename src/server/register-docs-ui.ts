import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { staticAssets } from './static-assets.js'

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

export interface DocsUiOptions {
  /** Where the page is, as a browser sees it (`/__mock/docs`, or `/mock/__mock/docs` under a prefix). */
  base: string
  /** Fastify's route for the page, relative to the instance's prefix. */
  route: string
  urls: ReadonlyArray<{ name: string, url: string }>
}

/**
 * Swagger UI at `route`: the page, its initializer (the spec list), and its assets (see staticAssets).
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
  const sendPage = async (_request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => reply.type('text/html; charset=utf-8').send(page)
  app.get(route, sendPage)
  app.get(`${route}/`, sendPage)
  app.get(`${route}/static/swagger-initializer.js`, async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(initializer))
  const send = staticAssets(ASSETS_FOLDER, ASSET_TYPES, 'docs asset')
  app.get<{ Params: { file: string } }>(`${route}/static/:file`, async (request, reply) => await send(request.params.file, request, reply))
}
