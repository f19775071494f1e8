// The community board (APP_V2.md, the newer app's communityService.ts): posts with text and images we stored, on
// the general board or a crew's board (members post there; it is read as the crew is), optionally about an event or
// a course the caller can see. Authors edit their posts; authors and the crew's owner and admins delete posts and
// comments (as the old server and the app say). The author hears of others' comments by push. Links in the text
// are text: the server never fetches anything a post names.
import type { FastifyBaseLogger } from 'fastify';
import type { AppDeps } from '../../infra/deps.js';
import type { Queryable } from '../../infra/db/database.js';
import { AppError, forbidden, notFound } from '../../infra/errors.js';
import { requireVisible } from '../auth/authorize.js';
import { findCourseAccess } from '../courses/queries.js';
import { ADMIN_GRADE } from '../crews/permissions.js';
import { releaseImages } from '../crews/service.js';
import { enqueuePush } from '../notifications/push.js';
import { recordInbox } from '../notifications/inbox.js';
import * as q from './queries.js';
import type {
  CommentBody, CommunityCommentItem, CommunityCommentList, CommunityPostItem, CommunityPostList, CreatePostBody, LikeState,
  PageQuery, PostListQuery, ReportBody, UpdatePostBody,
} from './schemas.js';
import { requireStoredImage } from '../uploads/stored-images.js';

type Deps = Pick<AppDeps, 'db' | 'jobs' | 'storage'>;

const author = (row: q.PostRow | q.CommentRow) => ({
  id: row.author_id,
  nickname: row.nickname,
  avatar_url: row.avatar_url,
  crew_name: row.crew_name,
  crew_grade_level: row.crew_grade_level,
});

export const toPost = (row: q.PostRow): CommunityPostItem => ({
  id: row.id,
  title: row.title,
  content: row.content,
  post_type: row.post_type,
  event_id: row.event_id,
  event_title: row.event_title,
  crew_id: row.crew_id,
  course_id: row.course_id,
  image_url: row.image_urls[0] ?? null,
  image_urls: row.image_urls.length > 0 ? row.image_urls : null,
  like_count: row.like_count,
  comment_count: row.comment_count,
  is_liked: row.is_liked,
  author: author(row),
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
});

export const toComment = (row: q.CommentRow): CommunityCommentItem => ({
  id: row.id,
  post_id: row.post_id,
  content: row.content,
  author: author(row),
  created_at: row.created_at.toISOString(),
});

/** Images are only ones we stored from POST /uploads/image: nothing from elsewhere is shown to readers. */
function checkImages(deps: Deps, urls: string[]): void {
  for (const url of urls) requireStoredImage(deps.storage, url, 'image_urls');
}

const isCrewManager = (grade: number | null) => grade !== null && grade >= ADMIN_GRADE;

export async function get(db: Queryable, userId: string, postId: string): Promise<CommunityPostItem> {
  const row = await q.findVisiblePost(db, userId, postId);
  if (!row) throw notFound('Post');
  return toPost(row);
}

export async function list(db: Queryable, userId: string, query: PostListQuery): Promise<CommunityPostList> {
  const crewId = query.crew_id?.toLowerCase();
  if (crewId) {
    const crew = await q.crewStanding(db, userId, crewId);
    if (!crew || (!crew.is_public && crew.my_grade === null)) throw notFound('Crew');
  }
  const result = await q.listPosts(db, userId, {
    postType: query.post_type,
    crewId,
    before: query.before,
    limit: query.per_page,
    offset: query.page * query.per_page,
  });
  return { data: result.rows.map(toPost), total_count: result.total_count };
}

/** Where a new post goes: a crew the caller is a member of, an event that exists, a course they can see. */
async function checkPlace(db: Queryable, userId: string, body: CreatePostBody): Promise<void> {
  if (body.crew_id) {
    const crew = await q.crewStanding(db, userId, body.crew_id);
    if (!crew || (!crew.is_public && crew.my_grade === null)) throw notFound('Crew');
    if (crew.my_grade === null) throw forbidden("Only the crew's members post on its board");
  }
  if (body.event_id && !(await q.eventExists(db, body.event_id))) throw notFound('Event');
  if (body.course_id) requireVisible(await findCourseAccess(db, body.course_id), userId, 'Course');
}

const isForeignKeyViolation = (err: unknown) => (err as { code?: string }).code === '23503';

export async function create(deps: Deps, userId: string, body: CreatePostBody): Promise<CommunityPostItem> {
  const images = body.image_urls ?? (body.image_url ? [body.image_url] : []);
  checkImages(deps, images);
  const lower = (id: string | null | undefined) => id?.toLowerCase() ?? null;
  const place = { ...body, crew_id: lower(body.crew_id), event_id: lower(body.event_id), course_id: lower(body.course_id) };
  const id = await deps.db.transaction(async (tx) => {
    await checkPlace(tx, userId, place);
    try {
      return await q.insertPost(tx, userId, {
        title: body.title ?? null,
        content: body.content,
        post_type: body.post_type ?? 'general',
        crew_id: place.crew_id,
        event_id: place.event_id,
        course_id: place.course_id,
        image_urls: images,
      });
    } catch (err) {
      // The crew, event or course was deleted between the check and the insert.
      if (isForeignKeyViolation(err)) throw notFound('Crew, event or course');
      throw err;
    }
  });
  return get(deps.db, userId, id);
}

/** The images after an edit: image_urls replaces them all; image_url (what the app's edit screen sends) the first. */
function editedImages(current: string[], body: UpdatePostBody): string[] | undefined {
  if (body.image_urls !== undefined) return body.image_urls ?? [];
  if (body.image_url === undefined) return undefined;
  if (body.image_url === null) return [];
  return current[0] === body.image_url ? current : [body.image_url, ...current.slice(1)];
}

export async function update(deps: Deps, log: FastifyBaseLogger, userId: string, postId: string, body: UpdatePostBody): Promise<CommunityPostItem> {
  const dropped = await deps.db.transaction(async (tx) => {
    const post = await q.lockVisiblePost(tx, userId, postId);
    if (!post) throw notFound('Post');
    if (post.user_id !== userId) throw forbidden('Only the author can edit this post');
    const images = editedImages(post.image_urls, body);
    if (images) checkImages(deps, images.filter((url) => !post.image_urls.includes(url)));
    await q.updatePost(tx, postId, { title: body.title, content: body.content, image_urls: images });
    return images ? post.image_urls.filter((url) => !images.includes(url)) : [];
  });
  // Files no crew or post shows any more go, after the commit (as crews do with logos).
  await releaseImages(deps, log, dropped);
  return get(deps.db, userId, postId);
}

export async function remove(deps: Deps, log: FastifyBaseLogger, userId: string, postId: string): Promise<void> {
  const images = await deps.db.transaction(async (tx) => {
    const post = await q.lockVisiblePost(tx, userId, postId);
    if (!post) throw notFound('Post');
    if (post.user_id !== userId && !isCrewManager(post.my_grade)) throw forbidden('Only the author or the crew’s owner and admins can delete this post');
    await q.deletePost(tx, postId);
    return post.image_urls;
  });
  await releaseImages(deps, log, images);
}

export async function toggleLike(db: AppDeps['db'], userId: string, postId: string): Promise<LikeState> {
  return db.transaction(async (tx) => {
    const post = await q.lockVisiblePost(tx, userId, postId);
    if (!post) throw notFound('Post');
    const state = await q.toggleLike(tx, postId, userId);
    // Once per liker and post: liking again after an unlike adds nothing.
    if (state.is_liked) await recordInbox(tx, { userId: post.user_id, type: 'post_like', actorId: userId, causeKey: `${postId}:${userId}`, target: { type: 'post', id: postId } });
    return state;
  });
}

export async function comments(db: Queryable, userId: string, postId: string, page: PageQuery): Promise<CommunityCommentList> {
  if (!(await q.findVisiblePost(db, userId, postId))) throw notFound('Post');
  const result = await q.listComments(db, userId, postId, page.per_page, page.page * page.per_page);
  return { data: result.rows.map(toComment), total_count: result.total_count };
}

/** Adds the comment and, in the same transaction, pushes 'community_comment' to the post's author (not to oneself). */
export async function addComment(deps: Deps, userId: string, postId: string, body: CommentBody): Promise<CommunityCommentItem> {
  return deps.db.transaction(async (tx) => {
    const post = await q.lockVisiblePost(tx, userId, postId);
    if (!post) throw notFound('Post');
    const row = await q.insertComment(tx, userId, postId, body.content);
    if (post.user_id !== userId) {
      await enqueuePush(deps, tx, {
        userId: post.user_id,
        kind: 'community_comment',
        causeKey: row.id,
        title: '새 댓글',
        body: `${row.nickname ?? '누군가'}님이 회원님의 게시글에 댓글을 남겼어요`,
        data: { post_id: postId, comment_id: row.id },
      });
      await recordInbox(tx, { userId: post.user_id, type: 'post_comment', actorId: userId, causeKey: row.id, target: { type: 'post', id: postId }, data: { comment_id: row.id } });
    }
    return toComment(row);
  });
}

export async function removeComment(db: AppDeps['db'], userId: string, postId: string, commentId: string): Promise<void> {
  await db.transaction(async (tx) => {
    const post = await q.lockVisiblePost(tx, userId, postId);
    if (!post) throw notFound('Post');
    const comment = await q.lockComment(tx, postId, commentId);
    if (!comment) throw notFound('Comment');
    if (comment.user_id !== userId && !isCrewManager(post.my_grade)) {
      throw forbidden('Only the author or the crew’s owner and admins can delete this comment');
    }
    await q.deleteComment(tx, commentId);
  });
}

const missingIfGone = (what: string) => (err: unknown): never => {
  throw isForeignKeyViolation(err) ? notFound(what) : err;
};

const ownReport = () => new AppError(422, 'OWN_CONTENT', 'You cannot report your own post or comment');

/** Reports a post the caller can see, once: reporting again keeps the first report. */
export async function reportPost(db: Queryable, userId: string, postId: string, body: ReportBody): Promise<void> {
  const post = await q.findVisiblePost(db, userId, postId);
  if (!post) throw notFound('Post');
  if (post.author_id === userId) throw ownReport();
  // The post may be deleted meanwhile.
  await q.insertPostReport(db, postId, userId, body.reason).catch(missingIfGone('Post'));
}

export async function reportComment(db: Queryable, userId: string, postId: string, commentId: string, body: ReportBody): Promise<void> {
  if (!(await q.findVisiblePost(db, userId, postId))) throw notFound('Post');
  const comment = await q.findComment(db, postId, commentId);
  if (!comment) throw notFound('Comment');
  if (comment.user_id === userId) throw ownReport();
  await q.insertCommentReport(db, commentId, userId, body.reason).catch(missingIfGone('Comment'));
}
