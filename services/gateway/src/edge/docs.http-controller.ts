import { dirname } from 'node:path';
import { Controller, Get, Header, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import type { Response } from 'express';

export const OPENAPI_DOCUMENT = Symbol('OPENAPI_DOCUMENT');

/** The files of swagger-ui the page needs, served from the package (no CDN). */
const ASSETS = new Set([
  'swagger-ui.css',
  'swagger-ui-bundle.js',
  'swagger-ui-standalone-preset.js',
  'favicon-32x32.png',
]);

const SWAGGER_UI = dirname(require.resolve('swagger-ui-dist/package.json'));

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>roomledger API</title>
<link rel="icon" href="/docs/assets/favicon-32x32.png">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="api"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>
  window.ui = SwaggerUIBundle({ url: '/docs-json', dom_id: '#api', deepLinking: true, persistAuthorization: true });
</script>
</body>
</html>`;

/** The OpenAPI document (`/docs-json`) and a browsable page of it (`/docs`). */
@Controller()
export class DocsHttpController {
  constructor(@Inject(OPENAPI_DOCUMENT) private readonly document: object) {}

  @Get('docs-json')
  @Header('Cache-Control', 'no-cache')
  json() {
    return this.document;
  }

  @Get('docs')
  @Header('Content-Type', 'text/html; charset=utf-8')
  page() {
    return PAGE;
  }

  @Get('docs/assets/:file')
  asset(@Param('file') file: string, @Res() response: Response) {
    if (!ASSETS.has(file)) throw new NotFoundException();
    response.setHeader('Cache-Control', 'public, max-age=86400');
    response.sendFile(file, { root: SWAGGER_UI });
  }
}
