import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createUser, type TestUser } from './helpers/users.js';
import { insertCourse } from './helpers/run-records.js';

describe('course likes and favorites', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  const user = (nickname?: string | null) => createUser(t.db, t.config, nickname === undefined ? {} : { nickname });
  const like = (who: TestUser, courseId: string) => t.app.inject({ method: 'POST', url: `/api/v1/courses/${courseId}/like`, headers: who.auth });
  const likeStatus = (who: TestUser, courseId: string) =>
    t.app.inject({ method: 'GET', url: `/api/v1/courses/${courseId}/like/status`, headers: who.auth });
  const favorite = (who: TestUser, courseId: string) =>
    t.app.inject({ method: 'POST', url: `/api/v1/favorites/courses/${courseId}`, headers: who.auth });
  const favoriteStatus = (who: TestUser, courseId: string) =>
    t.app.inject({ method: 'GET', url: `/api/v1/favorites/courses/${courseId}/status`, headers: who.auth });
  const favorites = (who: TestUser) => t.app.inject({ method: 'GET', url: '/api/v1/favorites/courses', headers: who.auth });
  const marks = async (table: 'course_likes' | 'course_favorites', courseId: string) =>
    (await t.db.query<{ user_id: string }>(`SELECT user_id FROM ${table} WHERE course_id = $1 ORDER BY user_id`, [courseId])).rows.map(
      (r) => r.user_id,
    );

  describe('likes', () => {
    it('toggles a like and reports the state and the course’s count', async () => {
      const [creator, a, b] = [await user(), await user(), await user()];
      const courseId = await insertCourse(t.db, creator.id);
      assert.deepEqual((await likeStatus(a, courseId)).json(), { is_liked: false, like_count: 0 });
      assert.deepEqual((await like(a, courseId)).json(), { is_liked: true, like_count: 1 });
      assert.deepEqual((await like(b, courseId)).json(), { is_liked: true, like_count: 2 });
      assert.deepEqual((await likeStatus(a, courseId)).json(), { is_liked: true, like_count: 2 });
      // b's toggle only ever touches b's like.
      assert.deepEqual((await like(b, courseId)).json(), { is_liked: false, like_count: 1 });
      assert.deepEqual(await marks('course_likes', courseId), [a.id]);
      assert.deepEqual((await likeStatus(b, courseId)).json(), { is_liked: false, like_count: 1 });
    });

    it('never double-counts concurrent toggles: each one is exactly one flip', async () => {
      const [creator, a, b] = [await user(), await user(), await user()];
      const courseId = await insertCourse(t.db, creator.id);
      // Five toggles each, all at once. Whatever order they run in, each user's answers must alternate
      // like, unlike, like, unlike, like: three "liked" and two "not liked", ending liked, two likes in all.
      const requests = [a, b, a, b, a, b, a, b, a, b].map((who) => like(who, courseId).then((res) => ({ who, res })));
      const results = await Promise.all(requests);
      for (const who of [a, b]) {
        const mine = results.filter((r) => r.who === who).map((r) => r.res);
        assert.ok(mine.every((res) => res.statusCode === 200));
        assert.deepEqual(mine.map((res) => res.json().is_liked as boolean).sort(), [false, false, true, true, true]);
        assert.ok(mine.every((res) => res.json().like_count >= 0 && res.json().like_count <= 2));
      }
      assert.deepEqual(await marks('course_likes', courseId), [a.id, b.id].sort());
      assert.deepEqual((await likeStatus(creator, courseId)).json(), { is_liked: false, like_count: 2 });

      // Four more each (even): both stay liked.
      await Promise.all([a, b, a, b, a, b, a, b].map((who) => like(who, courseId)));
      assert.deepEqual(await marks('course_likes', courseId), [a.id, b.id].sort());
    });

    it('answers 404 for a missing course or someone else’s private one, and changes nothing', async () => {
      const [owner, stranger] = [await user(), await user()];
      const privateCourse = await insertCourse(t.db, owner.id, { isPublic: false });
      for (const res of [await like(stranger, privateCourse), await likeStatus(stranger, privateCourse), await like(stranger, randomUUID())]) {
        assert.equal(res.statusCode, 404);
        assert.equal(res.json().code, 'NOT_FOUND');
      }
      assert.deepEqual(await marks('course_likes', privateCourse), []);
      assert.deepEqual((await like(owner, privateCourse)).json(), { is_liked: true, like_count: 1 });
      assert.equal((await like(owner, 'nope')).statusCode, 422);
      assert.equal((await t.app.inject({ method: 'POST', url: `/api/v1/courses/${privateCourse}/like` })).statusCode, 401);
    });
  });

  describe('favorites', () => {
    it('toggles a favorite and reports its status', async () => {
      const [creator, a] = [await user(), await user()];
      const courseId = await insertCourse(t.db, creator.id);
      assert.deepEqual((await favoriteStatus(a, courseId)).json(), { is_favorited: false });
      assert.deepEqual((await favorite(a, courseId)).json(), { is_favorited: true });
      assert.deepEqual((await favoriteStatus(a, courseId)).json(), { is_favorited: true });
      assert.deepEqual((await favoriteStatus(creator, courseId)).json(), { is_favorited: false });
      // Another user's toggles only ever touch their own favorite.
      assert.deepEqual((await favorite(creator, courseId)).json(), { is_favorited: true });
      assert.deepEqual((await favorite(creator, courseId)).json(), { is_favorited: false });
      assert.deepEqual(await marks('course_favorites', courseId), [a.id]);
      assert.deepEqual((await favorite(a, courseId)).json(), { is_favorited: false });
      assert.deepEqual(await marks('course_favorites', courseId), []);
    });

    it('never double-toggles under concurrent requests', async () => {
      const [creator, a] = [await user(), await user()];
      const courseId = await insertCourse(t.db, creator.id);
      const results = await Promise.all(Array.from({ length: 7 }, () => favorite(a, courseId)));
      assert.deepEqual(results.map((r) => r.json().is_favorited as boolean).sort(), [false, false, false, true, true, true, true]);
      assert.deepEqual(await marks('course_favorites', courseId), [a.id]);
    });

    it('answers 404 for a missing course or someone else’s private one, and changes nothing', async () => {
      const [owner, stranger] = [await user(), await user()];
      const privateCourse = await insertCourse(t.db, owner.id, { isPublic: false });
      for (const res of [await favorite(stranger, privateCourse), await favoriteStatus(stranger, privateCourse), await favorite(stranger, randomUUID())]) {
        assert.equal(res.statusCode, 404);
        assert.equal(res.json().code, 'NOT_FOUND');
      }
      assert.deepEqual(await marks('course_favorites', privateCourse), []);
      assert.deepEqual((await favorite(owner, privateCourse)).json(), { is_favorited: true });
    });

    it('lists visible favorites newest first, with null nicknames as null', async () => {
      const [me, named, unnamed] = [await user(), await user(), await user(null)];
      const older = await insertCourse(t.db, named.id, { distanceMeters: 4200 });
      const newer = await insertCourse(t.db, unnamed.id, { distanceMeters: 10000 });
      const turnsPrivate = await insertCourse(t.db, named.id);
      const mine = await insertCourse(t.db, me.id, { isPublic: false });
      const deleted = await insertCourse(t.db, named.id);
      for (const id of [older, newer, turnsPrivate, mine, deleted]) assert.equal((await favorite(me, id)).statusCode, 200);
      await t.db.query('UPDATE courses SET is_public = false WHERE id = $1', [turnsPrivate]);
      await t.db.query('DELETE FROM courses WHERE id = $1', [deleted]);

      const res = await favorites(me);
      assert.equal(res.statusCode, 200);
      const list = res.json() as Record<string, unknown>[];
      assert.deepEqual(list.map((c) => c.id), [mine, newer, older]);
      const item = list[1]!;
      assert.deepEqual(Object.keys(item).sort(), [
        'creator_nickname', 'distance_meters', 'estimated_duration_seconds', 'favorited_at', 'id', 'route_preview', 'thumbnail_url', 'title',
      ]);
      assert.equal(item.creator_nickname, null);
      assert.equal(item.distance_meters, 10000);
      assert.match(String(item.favorited_at), /Z$/);
      assert.equal(list[2]!.creator_nickname, named.nickname);
      assert.deepEqual((await favorites(named)).json(), []);
    });
  });
});
