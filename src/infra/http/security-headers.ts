// Security headers on every response: the set @fastify/helmet sent with our options (helmet's defaults, a content
// security policy for a JSON API that serves no active content), written once. @fastify/helmet rebuilt every helmet
// middleware, its policy parsed anew, on each request: about a third of the CPU of a GET /health. The docs UI sets
// its own policy on its routes, over this one.
import type { FastifyInstance } from 'fastify';

const SECURITY_HEADERS: [string, string][] = [
  [
    'content-security-policy',
    "default-src 'none';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'none';" +
      "img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';" +
      'upgrade-insecure-requests',
  ],
  ['cross-origin-opener-policy', 'same-origin'],
  // Uploaded images are shown by the app from other origins.
  ['cross-origin-resource-policy', 'cross-origin'],
  ['origin-agent-cluster', '?1'],
  ['referrer-policy', 'no-referrer'],
  ['strict-transport-security', 'max-age=31536000; includeSubDomains'],
  ['x-content-type-options', 'nosniff'],
  ['x-dns-prefetch-control', 'off'],
  ['x-download-options', 'noopen'],
  ['x-frame-options', 'SAMEORIGIN'],
  ['x-permitted-cross-domain-policies', 'none'],
  ['x-xss-protection', '0'],
];

export function registerSecurityHeaders(app: FastifyInstance): void {
  // On the raw response, as helmet did, so a reply written outside Fastify's send carries them too.
  app.addHook('onRequest', (_request, reply, done) => {
    for (const [name, value] of SECURITY_HEADERS) reply.raw.setHeader(name, value);
    done();
  });
}
