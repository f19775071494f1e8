// Pieces the profile, crew, event and group-run pages share: a course drawn on the map island, a course the viewer
// may not see left out (the course service decides, as for the API), and times in the viewer's time zone.
import type { Queryable } from '../../infra/db/database.js';
import { AppError } from '../../infra/errors.js';
import { getCourse } from '../courses/service.js';
import type { CourseDetail } from '../courses/schemas.js';
import { html, jsonBlock, type Html } from './html.js';
import type { PageFrame } from './layout.js';
import { mapSetup } from './map-setup.js';

/** The course as the course service shows it to the viewer, or null when it is hidden from them or gone. */
export async function visibleCourse(db: Queryable, courseId: string | null, viewerId: string | undefined): Promise<CourseDetail | null> {
  if (!courseId) return null;
  return getCourse(db, courseId, viewerId).catch((error: unknown) => {
    if (error instanceof AppError && error.statusCode === 404) return null;
    throw error;
  });
}

/** The preview picture of a course: its drawn thumbnail, or the address that draws it. */
export const coursePicture = (frame: PageFrame, course: CourseDetail): string =>
  course.thumbnail_url ?? `${frame.config.publicBaseUrl}/api/v1/courses/${course.id}/thumbnail`;

/** The course's line on the map island (web/map.ts), linked to its page. */
export function courseMap(frame: PageFrame, id: string, course: CourseDetail): Html {
  const coords = course.route_geometry.coordinates.map(([lng, lat]) => [lat!, lng!] as [number, number]);
  const setup = `${id}-setup`;
  return html`<div class="map" id="${id}" data-island="map" data-setup="${setup}" role="region" aria-label="${course.title} 코스 지도"></div>
${jsonBlock(setup, mapSetup(frame.config, { lines: [{ coords, title: course.title, href: `/courses/${course.id}` }] }))}`;
}

/** e.g. "2026. 12. 8. (화) 오후 7:00" in `timeZone`. */
export const dateTime = (iso: string, timeZone: string): string =>
  new Intl.DateTimeFormat('ko-KR', { timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));

/** A description for link previews: the text up to `max` characters, cut at a character, not inside one. */
export function brief(text: string, max = 160): string {
  const chars = [...text.replace(/\s+/g, ' ').trim()];
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`;
}
