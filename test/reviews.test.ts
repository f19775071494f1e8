import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createUser, type TestUser } from './helpers/users.js';
import { insertCourse } from './helpers/run-records.js';

describe('course reviews', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  const user = (nickname?: string | null) => createUser(t.db, t.config, nickname === undefined ? {} : { nickname });
  const post = (who: TestUser, courseId: string, payload: object) =>
    t.app.inject({ method: 'POST', url: `/api/v1/courses/${courseId}/reviews`, headers: who.auth, payload });
  const get = (who: TestUser, url: string) => t.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: who.auth });
  const reviewRow = async (id: string) =>
    (await t.db.query('SELECT rating, content, creator_reply FROM reviews WHERE id = $1', [id])).rows[0];
  const pushes = async (userId: string) =>
    (await t.db.query<{ kind: string; cause_key: string; data: Record<string, string> }>(
      'SELECT kind, cause_key, data FROM push_notifications WHERE user_id = $1 ORDER BY created_at',
      [userId],
    )).rows;
  const addDevice = (userId: string) =>
    t.db.query(`INSERT INTO device_tokens (user_id, device_token, platform) VALUES ($1, $2, 'ios')`, [userId, `tok-${randomUUID()}`]);

  it('creates a review, rounds the rating, and answers with the author', async () => {
    const [creator, reviewer] = [await user(), await user()];
    const courseId = await insertCourse(t.db, creator.id);
    const res = await post(reviewer, courseId, { rating: 4.6, content: '좋은 코스' });
    assert.equal(res.statusCode, 201);
    const body = res.json();
    assert.equal(body.course_id, courseId);
    assert.equal(body.rating, 5);
    assert.equal(body.content, '좋은 코스');
    assert.deepEqual(body.author, { id: reviewer.id, nickname: reviewer.nickname, avatar_url: null });
    assert.equal(body.creator_reply, null);
    assert.equal(body.creator_reply_at, null);
    assert.match(body.created_at, /Z$/);
    assert.deepEqual(await reviewRow(body.id), { rating: 5, content: '좋은 코스', creator_reply: null });
  });

  it('keeps one review per user and course: 409 DUPLICATE_REVIEW, also under concurrent posts', async () => {
    const [creator, reviewer] = [await user(), await user()];
    const courseId = await insertCourse(t.db, creator.id);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => post(reviewer, courseId, { rating: 1 + (i % 5) })));
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [201, 409, 409, 409, 409, 409]);
    assert.ok(results.filter((r) => r.statusCode === 409).every((r) => r.json().code === 'DUPLICATE_REVIEW'));
    const { rows } = await t.db.query('SELECT count(*) AS n FROM reviews WHERE course_id = $1', [courseId]);
    assert.equal(rows[0]!.n, 1);
    assert.equal((await post(reviewer, courseId, { content: 'again' })).statusCode, 409);
  });

  it('refuses an empty review, bad ratings and long texts with 422', async () => {
    const [creator, reviewer] = [await user(), await user()];
    const courseId = await insertCourse(t.db, creator.id);
    for (const payload of [{}, { rating: null, content: '   ' }, { content: '' }, { rating: 0 }, { rating: 6 }, { rating: '5' }, { content: 'x'.repeat(501) }]) {
      const res = await post(reviewer, courseId, payload);
      assert.equal(res.statusCode, 422, JSON.stringify(payload));
      assert.equal(res.json().code, 'VALIDATION_ERROR');
      assert.ok(Array.isArray(res.json().detail));
    }
    assert.equal((await post(reviewer, courseId, { rating: 3 })).statusCode, 201);
  });

  it('answers 404 for a missing course and 422 for a malformed id', async () => {
    const reviewer = await user();
    const missing = randomUUID();
    assert.equal((await post(reviewer, missing, { rating: 3 })).statusCode, 404);
    assert.equal((await get(reviewer, `/courses/${missing}/reviews`)).statusCode, 404);
    assert.equal((await get(reviewer, `/courses/${missing}/reviews/mine`)).statusCode, 404);
    assert.equal((await post(reviewer, 'not-a-uuid', { rating: 3 })).statusCode, 422);
  });

  it('hides a private course’s reviews from everyone but its owner', async () => {
    const [owner, stranger] = [await user(), await user()];
    const courseId = await insertCourse(t.db, owner.id, { isPublic: false });
    const own = await post(owner, courseId, { rating: 4, content: 'my own loop' });
    assert.equal(own.statusCode, 201);
    for (const res of [
      await post(stranger, courseId, { rating: 1 }),
      await get(stranger, `/courses/${courseId}/reviews`),
      await get(stranger, `/courses/${courseId}/reviews/mine`),
      await t.app.inject({ method: 'POST', url: `/api/v1/courses/${courseId}/reviews/${own.json().id}/reply`, headers: stranger.auth, payload: { content: 'hi' } }),
    ]) {
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().code, 'NOT_FOUND');
    }
    const list = await get(owner, `/courses/${courseId}/reviews`);
    assert.equal(list.json().total_count, 1);
    const { rows } = await t.db.query('SELECT count(*) AS n FROM reviews WHERE course_id = $1', [courseId]);
    assert.equal(rows[0]!.n, 1);
  });

  it('lists newest first with pages, the total and the mean rating; null nicknames stay null', async () => {
    const creator = await user();
    const courseId = await insertCourse(t.db, creator.id);
    const authors = [await user(), await user(null), await user(), await user()];
    const ratings = [5, 4, null, 4];
    const ids: string[] = [];
    for (const [i, author] of authors.entries()) {
      const res = await post(author, courseId, { rating: ratings[i], content: `review ${i}` });
      assert.equal(res.statusCode, 201);
      ids.push(res.json().id);
    }
    const first = await get(creator, `/courses/${courseId}/reviews?page=0&per_page=3`);
    assert.equal(first.statusCode, 200);
    const body = first.json();
    assert.equal(body.total_count, 4);
    assert.equal(body.avg_rating, 4.3);
    assert.deepEqual(body.data.map((r: { id: string }) => r.id), [ids[3], ids[2], ids[1]]);
    assert.equal(body.data[2].author.nickname, null);
    assert.equal(body.data[2].author.id, authors[1]!.id);
    const second = (await get(creator, `/courses/${courseId}/reviews?page=1&per_page=3`)).json();
    assert.deepEqual(second.data.map((r: { id: string }) => r.id), [ids[0]]);
    const beyond = (await get(creator, `/courses/${courseId}/reviews?page=5`)).json();
    assert.deepEqual(beyond, { data: [], total_count: 4, avg_rating: 4.3 });
    assert.equal((await get(creator, `/courses/${courseId}/reviews?per_page=101`)).statusCode, 422);

    const empty = await insertCourse(t.db, creator.id);
    assert.deepEqual((await get(creator, `/courses/${empty}/reviews`)).json(), { data: [], total_count: 0, avg_rating: null });
  });

  it('returns the caller’s own review, or null', async () => {
    const [creator, reviewer] = [await user(), await user()];
    const courseId = await insertCourse(t.db, creator.id);
    const none = await get(reviewer, `/courses/${courseId}/reviews/mine`);
    assert.equal(none.statusCode, 200);
    assert.equal(none.body, 'null');
    const created = (await post(reviewer, courseId, { content: 'nice hills' })).json();
    const mine = await get(reviewer, `/courses/${courseId}/reviews/mine`);
    assert.equal(mine.json().id, created.id);
    assert.equal(mine.json().rating, null);
    assert.equal(mine.json().content, 'nice hills');
  });

  it('lets only the author edit a review; null keeps a field; nothing changes on refusal', async () => {
    const [creator, author, other] = [await user(), await user(), await user()];
    const courseId = await insertCourse(t.db, creator.id);
    const review = (await post(author, courseId, { rating: 3, content: 'ok' })).json();
    const patch = (who: TestUser, id: string, payload: object) =>
      t.app.inject({ method: 'PATCH', url: `/api/v1/courses/reviews/${id}`, headers: who.auth, payload });

    for (const who of [other, creator]) {
      const refused = await patch(who, review.id, { rating: 1, content: 'hacked' });
      assert.equal(refused.statusCode, 403);
      assert.equal(refused.json().code, 'FORBIDDEN');
    }
    assert.deepEqual(await reviewRow(review.id), { rating: 3, content: 'ok', creator_reply: null });

    const edited = await patch(author, review.id, { content: 'better than I thought', rating: null });
    assert.equal(edited.statusCode, 200);
    assert.equal(edited.json().rating, 3);
    assert.equal(edited.json().content, 'better than I thought');
    assert.ok(edited.json().updated_at > review.updated_at);
    assert.equal((await patch(author, review.id, { rating: 4.4 })).json().rating, 4);
    assert.equal((await patch(author, review.id, { content: '' })).json().content, '');
    assert.deepEqual(await reviewRow(review.id), { rating: 4, content: '', creator_reply: null });

    const textOnly = (await post(other, courseId, { content: 'words only' })).json();
    assert.equal((await patch(other, textOnly.id, { content: ' ' })).statusCode, 422);
    assert.deepEqual(await reviewRow(textOnly.id), { rating: null, content: 'words only', creator_reply: null });

    assert.equal((await patch(author, randomUUID(), { rating: 2 })).statusCode, 404);
    assert.equal((await patch(author, review.id, { rating: 9 })).statusCode, 422);
  });

  it('lets only the author delete a review', async () => {
    const [creator, author, other] = [await user(), await user(), await user()];
    const courseId = await insertCourse(t.db, creator.id);
    const review = (await post(author, courseId, { rating: 2 })).json();
    const del = (who: TestUser, id: string) => t.app.inject({ method: 'DELETE', url: `/api/v1/courses/reviews/${id}`, headers: who.auth });

    for (const who of [other, creator]) {
      const refused = await del(who, review.id);
      assert.equal(refused.statusCode, 403);
      assert.equal(refused.json().code, 'FORBIDDEN');
    }
    assert.deepEqual(await reviewRow(review.id), { rating: 2, content: null, creator_reply: null });
    assert.equal((await del(author, review.id)).statusCode, 204);
    assert.equal(await reviewRow(review.id), undefined);
    assert.equal((await del(author, review.id)).statusCode, 404);
    // Deleted, the user may review again.
    assert.equal((await post(author, courseId, { rating: 5 })).statusCode, 201);
  });

  it('refuses a review’s author once its course turned private to them', async () => {
    const [creator, author] = [await user(), await user()];
    const courseId = await insertCourse(t.db, creator.id);
    const review = (await post(author, courseId, { rating: 2 })).json();
    await t.db.query('UPDATE courses SET is_public = false WHERE id = $1', [courseId]);
    const res = await t.app.inject({ method: 'PATCH', url: `/api/v1/courses/reviews/${review.id}`, headers: author.auth, payload: { rating: 5 } });
    assert.equal(res.statusCode, 404);
    assert.equal((await reviewRow(review.id))!.rating, 2);
  });

  it('lets only the course creator reply, and a second reply replaces the first', async () => {
    const [creator, author, other] = [await user(), await user(), await user()];
    const courseId = await insertCourse(t.db, creator.id);
    const otherCourse = await insertCourse(t.db, creator.id);
    const review = (await post(author, courseId, { rating: 4, content: 'great' })).json();
    const reply = (who: TestUser, course: string, id: string, content: string) =>
      t.app.inject({ method: 'POST', url: `/api/v1/courses/${course}/reviews/${id}/reply`, headers: who.auth, payload: { content } });

    for (const who of [author, other]) {
      const refused = await reply(who, courseId, review.id, 'not mine to answer');
      assert.equal(refused.statusCode, 403);
      assert.equal(refused.json().code, 'FORBIDDEN');
    }
    assert.equal((await reviewRow(review.id))!.creator_reply, null);

    assert.equal((await reply(creator, otherCourse, review.id, 'wrong course')).statusCode, 404);
    assert.equal((await reply(creator, courseId, randomUUID(), 'no such review')).statusCode, 404);
    assert.equal((await reply(creator, courseId, review.id, '')).statusCode, 422);
    assert.equal((await reply(creator, courseId, review.id, '   ')).statusCode, 422);
    assert.equal((await reply(creator, courseId, review.id, 'x'.repeat(301))).statusCode, 422);

    const first = await reply(creator, courseId, review.id, 'Thanks!');
    assert.equal(first.statusCode, 200);
    assert.equal(first.json().creator_reply, 'Thanks!');
    assert.match(first.json().creator_reply_at, /Z$/);
    assert.equal(first.json().content, 'great');
    const second = await reply(creator, courseId, review.id, 'Thanks again!');
    assert.equal(second.json().creator_reply, 'Thanks again!');
    assert.ok(second.json().creator_reply_at >= first.json().creator_reply_at);
    assert.equal((await reviewRow(review.id))!.creator_reply, 'Thanks again!');
  });

  it('pushes a new review to the course creator and a reply to the reviewer, never to oneself', async () => {
    const [creator, reviewer] = [await user(), await user()];
    await addDevice(creator.id);
    await addDevice(reviewer.id);
    const courseId = await insertCourse(t.db, creator.id);

    const own = (await post(creator, courseId, { rating: 5 })).json();
    assert.deepEqual(await pushes(creator.id), []);
    await t.app.inject({ method: 'POST', url: `/api/v1/courses/${courseId}/reviews/${own.id}/reply`, headers: creator.auth, payload: { content: 'me' } });
    assert.deepEqual(await pushes(creator.id), []);

    const review = (await post(reviewer, courseId, { rating: 3, content: 'hilly' })).json();
    const toCreator = await pushes(creator.id);
    assert.equal(toCreator.length, 1);
    assert.equal(toCreator[0]!.kind, 'course_review');
    assert.equal(toCreator[0]!.cause_key, review.id);
    assert.deepEqual(toCreator[0]!.data, { course_id: courseId, review_id: review.id });

    const replied = await t.app.inject({
      method: 'POST',
      url: `/api/v1/courses/${courseId}/reviews/${review.id}/reply`,
      headers: creator.auth,
      payload: { content: 'Thank you' },
    });
    assert.equal(replied.statusCode, 200);
    const toReviewer = await pushes(reviewer.id);
    assert.equal(toReviewer.length, 1);
    assert.equal(toReviewer[0]!.kind, 'review_reply');
    assert.deepEqual(toReviewer[0]!.data, { course_id: courseId, review_id: review.id });
    // The refused duplicate notified nobody again.
    await post(reviewer, courseId, { rating: 1 });
    assert.equal((await pushes(creator.id)).length, 1);
  });

  it('needs a token', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/courses/${randomUUID()}/reviews` });
    assert.equal(res.statusCode, 401);
  });
});
