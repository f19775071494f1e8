// The page a shared course link opens (POST /courses answers its address as share_url): a minimal HTML page with
// the course's title, distance, creator and picture, and Open Graph tags so chat apps preview the link. Public
// courses only, as a browser sends no token. The web client will serve this address later.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { requireVisible } from '../auth/authorize.js';
import { CourseId } from './schemas.js';
import { findCourseCard, type CourseCardRow } from './queries.js';

/** Registered at the root, outside /api/v1. */
export const COURSE_PAGES_PREFIX = '/courses';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escape = (text: string) => text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);

function page(appName: string, url: string, course: CourseCardRow): string {
  const title = escape(course.title);
  const summary = escape(`${(course.distance_meters / 1000).toFixed(1)} km${course.creator_nickname ? ` · ${course.creator_nickname}` : ''}`);
  const image = course.thumbnail_url ? escape(course.thumbnail_url) : undefined;
  return `<!doctype html>
<html lang="ko">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${escape(appName)}</title>
<meta property="og:type" content="website">
<meta property="og:title" content="${title}">
<meta property="og:description" content="${summary}">
<meta property="og:url" content="${escape(url)}">
${image ? `<meta property="og:image" content="${image}">\n` : ''}</head>
<body>
<main>
<h1>${title}</h1>
<p>${summary}</p>
${image ? `<img src="${image}" alt="" width="600">\n` : ''}<p>${escape(appName)} 앱에서 이 코스를 달려 보세요.</p>
</main>
</body>
</html>
`;
}

export const coursePageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { config, db } = app.deps;
  app.get(
    '/:course_id',
    {
      schema: {
        tags: ['courses'],
        summary: 'The web page of a shared public course (share_url)',
        params: CourseId,
        response: {
          200: { description: 'HTML page', content: { 'text/html': { schema: Type.String() } } },
          404: Type.Ref('ErrorBody'),
          422: Type.Ref('ErrorBody'),
        },
      },
    },
    async (request, reply) => {
      const course = requireVisible(await findCourseCard(db, request.params.course_id), undefined, 'Course');
      const url = `${config.publicBaseUrl}${COURSE_PAGES_PREFIX}/${course.id}`;
      // The API's policy forbids everything; the page shows the picture and nothing else.
      reply.header('content-security-policy', "default-src 'none'; img-src https: http:; frame-ancestors 'none'");
      return reply.type('text/html; charset=utf-8').send(page(config.APP_NAME, url, course));
    },
  );
};
