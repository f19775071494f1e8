// Course comments (the newer app's courseService.ts): each call as the app makes it, with the keys of its
// CourseCommentItem; one level of replies; a private course's comments hidden from others; who may edit and delete.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createUser, type TestUser } from './helpers/users.js';
import { insertCourse } from './helpers/run-records.js';
import { multipart, smallJpeg } from './helpers/authz-world.js';

type Comment = {
  id: string; course_id: string; author: { id: string; nickname: string | null; profile_image_url: string | null }; content: string;
  image_urls: string[] | null; parent_id: string | null; replies: Comment[]; reply_count: number; created_at: string;
};
const ITEM_KEYS = ['author', 'content', 'course_id', 'created_at', 'id', 'image_urls', 'parent_id', 'replies', 'reply_count', 'updated_at'];

describe('course comments', () => {
  let t: TestApp;
  let owner: TestUser;
  let runner: TestUser;
  let stranger: TestUser;
  let courseId: string;
  before(async () => {
    t = await createTestApp();
    [owner, runner, stranger] = [await createUser(t.db, t.config), await createUser(t.db, t.config), await createUser(t.db, t.config)];
    courseId = await insertCourse(t.db, owner.id);
  });
  after(() => t.close());

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, user: TestUser, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: { ...user.auth, 'content-type': 'application/json' }, ...(payload ? { payload } : {}) });
  // As the app: createCourseComment(courseId, content, imageUrls?, parentId?) sends undefined keys as absent.
  const comment = async (user: TestUser, content: string, extra: { image_urls?: string[]; parent_id?: string } = {}, course = courseId) => {
    const res = await call('POST', `/courses/${course}/comments`, user, { content, ...extra });
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as Comment;
  };
  const page = async (user: TestUser, course = courseId, query = 'page=0&per_page=20') => {
    const res = await call('GET', `/courses/${course}/comments?${query}`, user);
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as { data: Comment[]; total_count: number };
  };

  it('answers each call with the app’s keys, replies nested under their comment', async () => {
    const course = await insertCourse(t.db, owner.id);
    const top = await comment(runner, '  Great hills  ');
    assert.deepEqual(Object.keys(top).sort(), ITEM_KEYS);
    assert.equal(top.content, 'Great hills');
    assert.deepEqual(top.author, { id: runner.id, nickname: runner.nickname, profile_image_url: null });
    assert.equal(top.image_urls, null);
    assert.equal(top.parent_id, null);
    assert.deepEqual(top.replies, []);
    const moved = await comment(runner, 'first', {}, course);
    const reply = await comment(owner, 'Thanks!', { parent_id: moved.id }, course);
    assert.equal(reply.parent_id, moved.id);
    const later = await comment(stranger, 'second', {}, course);
    const list = await page(runner, course);
    assert.equal(list.total_count, 2, 'replies are not top-level comments');
    assert.deepEqual(list.data.map((c) => c.id), [later.id, moved.id], 'newest first');
    assert.deepEqual(list.data[1]!.replies.map((r) => [r.id, r.content, r.reply_count]), [[reply.id, 'Thanks!', 0]]);
    assert.equal(list.data[1]!.reply_count, 1);
    assert.deepEqual(Object.keys(list.data[1]!.replies[0]!).sort(), ITEM_KEYS);
    const edited = await call('PATCH', `/courses/${course}/comments/${later.id}`, stranger, { content: 'second, edited' });
    assert.equal(edited.statusCode, 200, edited.body);
    assert.equal((edited.json() as Comment).content, 'second, edited');
    assert.equal((await call('DELETE', `/courses/${course}/comments/${later.id}`, stranger)).statusCode, 204);
    assert.equal((await page(runner, course)).total_count, 1);
  });

  it('keeps one level of replies, within the same course', async () => {
    const other = await insertCourse(t.db, owner.id);
    const top = await comment(runner, 'top');
    const reply = await comment(owner, 'reply', { parent_id: top.id });
    for (const [course, parent] of [[courseId, reply.id], [other, top.id], [courseId, randomUUID()]]) {
      const res = await call('POST', `/courses/${course}/comments`, stranger, { content: 'x', parent_id: parent });
      assert.equal(res.statusCode, 422, res.body);
      assert.equal(res.json().code, 'INVALID_PARENT');
    }
  });

  it('hides a private course’s comments from everyone but its owner', async () => {
    const hidden = await insertCourse(t.db, owner.id, { isPublic: false });
    const mine = await comment(owner, 'note to self', {}, hidden);
    assert.equal((await page(owner, hidden)).total_count, 1);
    assert.equal((await call('GET', `/courses/${hidden}/comments`, runner)).statusCode, 404);
    assert.equal((await call('POST', `/courses/${hidden}/comments`, runner, { content: 'hi' })).statusCode, 404);
    assert.equal((await call('PATCH', `/courses/${hidden}/comments/${mine.id}`, runner, { content: 'x' })).statusCode, 404);
    assert.equal((await call('DELETE', `/courses/${hidden}/comments/${mine.id}`, runner)).statusCode, 404);
    // Named under a public course, the comment is not found there either.
    assert.equal((await call('DELETE', `/courses/${courseId}/comments/${mine.id}`, owner)).statusCode, 404);
    assert.equal((await call('GET', `/courses/${randomUUID()}/comments`, runner)).statusCode, 404);
  });

  it('lets only the author edit, and the author or the course’s creator delete (with its replies)', async () => {
    const top = await comment(runner, 'mine');
    const reply = await comment(stranger, 'a reply', { parent_id: top.id });
    assert.equal((await call('PATCH', `/courses/${courseId}/comments/${top.id}`, stranger, { content: 'pwned' })).statusCode, 403);
    assert.equal((await call('PATCH', `/courses/${courseId}/comments/${top.id}`, owner, { content: 'pwned' })).statusCode, 403);
    assert.equal((await call('DELETE', `/courses/${courseId}/comments/${top.id}`, stranger)).statusCode, 403);
    const { rows } = await t.db.query<{ content: string }>('SELECT content FROM course_comments WHERE id = $1', [top.id]);
    assert.equal(rows[0]!.content, 'mine');
    assert.equal((await call('DELETE', `/courses/${courseId}/comments/${reply.id}`, owner)).statusCode, 204, 'the course’s creator moderates');
    const again = await comment(stranger, 'again', { parent_id: top.id });
    assert.equal((await call('DELETE', `/courses/${courseId}/comments/${top.id}`, runner)).statusCode, 204);
    assert.equal((await t.db.query('SELECT 1 FROM course_comments WHERE id = ANY($1)', [[top.id, again.id]])).rows.length, 0);
  });

  it('bounds text and images, and takes only images we stored', async () => {
    const form = multipart({ filename: 'a.jpg', type: 'image/jpeg', data: await smallJpeg() });
    const upload = await t.app.inject({ method: 'POST', url: '/api/v1/uploads/image', headers: { ...runner.auth, ...form.headers }, payload: form.payload });
    assert.equal(upload.statusCode, 200, upload.body);
    const url = (upload.json() as { url: string }).url;
    const bad = [
      { content: '' },
      { content: '   ' },
      { content: 'x'.repeat(1001) },
      { content: 'x', image_urls: Array(6).fill(url) },
      { content: 'x', image_urls: ['https://evil.example/a.jpg'] },
      { content: 'x', parent_id: 'nope' },
    ];
    for (const body of bad) assert.equal((await call('POST', `/courses/${courseId}/comments`, runner, body)).statusCode, 422, JSON.stringify(body).slice(0, 80));
    assert.equal((await call('GET', `/courses/${courseId}/comments?per_page=101`, runner)).statusCode, 422);
    const withImage = await comment(runner, 'x'.repeat(1000), { image_urls: [url] });
    assert.deepEqual(withImage.image_urls, [url]);
    // The app sends image_urls: undefined when editing text only: the images stay; an empty list removes them.
    const kept = await call('PATCH', `/courses/${courseId}/comments/${withImage.id}`, runner, { content: 'short' });
    assert.deepEqual((kept.json() as Comment).image_urls, [url]);
    const cleared = await call('PATCH', `/courses/${courseId}/comments/${withImage.id}`, runner, { content: 'short', image_urls: [] });
    assert.equal((cleared.json() as Comment).image_urls, null);
  });

  it('pages by page and per_page with the total', async () => {
    const course = await insertCourse(t.db, owner.id);
    for (let i = 0; i < 5; i++) await comment(runner, `c${i}`, {}, course);
    const first = await page(runner, course, 'page=0&per_page=2');
    const third = await page(runner, course, 'page=2&per_page=2');
    assert.equal(first.total_count, 5);
    assert.deepEqual(first.data.map((c) => c.content), ['c4', 'c3']);
    assert.deepEqual(third.data.map((c) => c.content), ['c0']);
  });

  it('deletes the author’s comments (and the replies under them) with the account', async () => {
    const leaving = await createUser(t.db, t.config);
    const top = await comment(leaving, 'bye');
    const kept = await comment(runner, 'a reply under it', { parent_id: top.id });
    const other = await comment(runner, 'mine stays');
    assert.equal((await call('DELETE', '/users/me', leaving)).statusCode, 204);
    const { rows } = await t.db.query<{ id: string }>('SELECT id FROM course_comments WHERE id = ANY($1)', [[top.id, kept.id, other.id]]);
    assert.deepEqual(rows.map((r) => r.id), [other.id]);
  });
});
