// The community board (the newer app's communityService.ts): every call as the app makes it, who may change what,
// crews' and courses' visibility, counts under concurrent likes and comments, the comment push, reports and
// administrators' removals, and what deleting an account takes with it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { deleteAccount } from '../src/features/users/service.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { createUser, type TestUser } from './helpers/users.js';
import { multipart, smallJpeg } from './helpers/authz-world.js';
import { insertCourse } from './helpers/run-records.js';

type Json = Record<string, unknown> & { id: string };
type Post = Json & { author: Json; image_urls: string[] | null; like_count: number; comment_count: number; is_liked: boolean };

describe('community', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, who: TestUser, payload?: object) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: who.auth, ...(payload ? { payload } : {}) });
  /** Users with a device each, so pushes to them are recorded. */
  const user = async () => {
    const u = await createUser(t.db, t.config);
    await t.db.query(`INSERT INTO device_tokens (user_id, device_token, platform) VALUES ($1, $2, 'ios')`, [u.id, `token-${u.id}`]);
    return u;
  };
  const admin = async () => {
    const u = await user();
    await t.db.query('UPDATE users SET is_admin = true WHERE id = $1', [u.id]);
    return u;
  };
  async function upload(who: TestUser): Promise<string> {
    const { headers, payload } = multipart({ filename: 'photo.jpg', type: 'image/jpeg', data: await smallJpeg() });
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/uploads/image', headers: { ...headers, ...who.auth }, payload });
    assert.equal(res.statusCode, 200, res.body);
    return (res.json() as { url: string }).url;
  }
  async function post(who: TestUser, extra: object = {}): Promise<Post> {
    const res = await call('POST', '/community/posts', who, { content: `post ${randomUUID()}`, post_type: 'general', ...extra });
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as Post;
  }
  async function comment(who: TestUser, postId: string, content = 'nice run'): Promise<Json> {
    const res = await call('POST', `/community/posts/${postId}/comments`, who, { content });
    assert.equal(res.statusCode, 201, res.body);
    return res.json() as Json;
  }
  async function crew(owner: TestUser, extra: object = {}): Promise<string> {
    const res = await call('POST', '/crews', owner, { name: `Crew ${randomUUID().slice(0, 8)}`, ...extra });
    assert.equal(res.statusCode, 201, res.body);
    return (res.json() as Json).id;
  }
  const pushes = async (userId: string) =>
    (await t.db.query<{ data: Record<string, string> }>("SELECT data FROM push_notifications WHERE kind = 'community_comment' AND user_id = $1", [userId])).rows;

  /** The keys and types of CommunityPostItem in the app's src/types/api.ts. */
  function assertPostShape(p: Post): void {
    assert.equal(typeof p.id, 'string');
    for (const key of ['title', 'event_id', 'event_title', 'crew_id', 'image_url']) {
      assert.ok(key in p && (p[key] === null || typeof p[key] === 'string'), `${key}: ${String(p[key])}`);
    }
    assert.ok(p.image_urls === null || (Array.isArray(p.image_urls) && p.image_urls.every((u) => typeof u === 'string')));
    assert.equal(typeof p.content, 'string');
    assert.ok(['general', 'crew_promo', 'question'].includes(p.post_type as string));
    assert.equal(typeof p.like_count, 'number');
    assert.equal(typeof p.comment_count, 'number');
    assert.equal(typeof p.is_liked, 'boolean');
    assertAuthorShape(p.author);
    assert.ok(!Number.isNaN(Date.parse(p.created_at as string)));
  }
  function assertAuthorShape(a: Json): void {
    assert.equal(typeof a.id, 'string');
    for (const key of ['nickname', 'avatar_url', 'crew_name']) assert.ok(key in a && (a[key] === null || typeof a[key] === 'string'), key);
    assert.ok('crew_grade_level' in a && (a.crew_grade_level === null || typeof a.crew_grade_level === 'number'));
  }

  describe('posts as the app makes them', () => {
    it('creates a post with uploaded images, reads it back, and lists it first', async () => {
      const me = await user();
      const urls = [await upload(me), await upload(me)];
      const created = await post(me, { title: 'Morning 10K', content: 'Who runs along the Han river?', post_type: 'question', image_url: urls[0], image_urls: urls });
      assertPostShape(created);
      assert.equal(created.title, 'Morning 10K');
      assert.equal(created.post_type, 'question');
      assert.equal(created.image_url, urls[0]);
      assert.deepEqual(created.image_urls, urls);
      assert.equal(created.like_count, 0);
      assert.equal(created.comment_count, 0);
      assert.equal(created.is_liked, false);
      assert.deepEqual(created.author, { id: me.id, nickname: me.nickname, avatar_url: null, crew_name: null, crew_grade_level: null });

      const got = await call('GET', `/community/posts/${created.id}`, me);
      assert.equal(got.statusCode, 200);
      assert.deepEqual(got.json(), created);

      const list = await call('GET', '/community/posts?page=0&per_page=5&post_type=question', me);
      assert.equal(list.statusCode, 200);
      const body = list.json() as { data: Post[]; total_count: number };
      assert.equal(body.data[0]!.id, created.id);
      assert.ok(body.data.every((p) => p.post_type === 'question'));
      assert.ok(body.total_count >= 1);
      body.data.forEach(assertPostShape);
    });

    it('stores text exactly as sent, markup and links included, and returns it as plain text', async () => {
      const me = await user();
      const content = '  <script>alert(1)</script> &amp; <b>bold</b>\nhttps://example.invalid/x?a=1  ';
      const created = await post(me, { content, title: '<i>t</i>' });
      assert.equal(created.content, content);
      assert.equal(created.title, '<i>t</i>');
      const c = await comment(await user(), created.id, '<img src=x onerror=alert(1)>');
      assert.equal(c.content, '<img src=x onerror=alert(1)>');
      assert.equal(created.image_url, null);
      assert.equal(created.image_urls, null);
    });

    it('refuses oversize or empty text, too many images and unknown types with 422', async () => {
      const me = await user();
      const url = await upload(me);
      for (const bad of [
        { content: 'x'.repeat(5001), post_type: 'general' },
        { content: '', post_type: 'general' },
        { content: '   \n ', post_type: 'general' },
        { content: 'ok', title: 'x'.repeat(101), post_type: 'general' },
        { content: 'ok', post_type: 'crew_recruit_spam' },
        { content: 'ok', post_type: 'general', image_urls: Array(11).fill(url) },
      ]) {
        const res = await call('POST', '/community/posts', me, bad);
        assert.equal(res.statusCode, 422, JSON.stringify(bad).slice(0, 80));
        assert.equal(res.json().code, 'VALIDATION_ERROR');
      }
      assert.equal(((await post(me, { content: 'x'.repeat(5000), image_urls: Array(10).fill(url) })).content as string).length, 5000);
      const p = await post(me);
      assert.equal((await call('POST', `/community/posts/${p.id}/comments`, me, { content: 'x'.repeat(1001) })).statusCode, 422);
      assert.equal((await call('POST', `/community/posts/${p.id}/comments`, me, { content: ' ' })).statusCode, 422);
      assert.equal((await call('PATCH', `/community/posts/${p.id}`, me, { content: 'x'.repeat(5001) })).statusCode, 422);
    });

    it('takes images only from POST /uploads/image', async () => {
      const me = await user();
      const ours = await upload(me);
      for (const image of ['https://evil.example/cat.jpg', ours.replace('/images/', '/avatars/'), 'javascript:alert(1)']) {
        const one = await call('POST', '/community/posts', me, { content: 'x', post_type: 'general', image_url: image });
        assert.ok([422].includes(one.statusCode), image);
        const many = await call('POST', '/community/posts', me, { content: 'x', post_type: 'general', image_urls: [ours, image] });
        assert.equal(many.statusCode, 422, image);
      }
      const p = await post(me, { image_url: ours });
      const edit = await call('PATCH', `/community/posts/${p.id}`, me, { image_url: 'https://evil.example/cat.jpg' });
      assert.equal(edit.statusCode, 422);
      assert.equal(edit.json().code, 'INVALID_IMAGE_URL');
      assert.equal((await t.db.query('SELECT 1 FROM community_posts WHERE user_id = $1', [me.id])).rowCount, 1);
    });

    it('pages newest first, and with `before` the pages stay put while others post', async () => {
      const me = await user();
      const mine: string[] = [];
      for (let i = 0; i < 5; i++) mine.push((await post(me, { content: `#${i}` })).id);
      const all = (await call('GET', '/community/posts?page=0&per_page=100', me)).json() as { data: Post[]; total_count: number };
      const order = all.data.map((p) => p.id);
      assert.deepEqual(order.slice(0, 5), [...mine].reverse());
      const first = (await call('GET', '/community/posts?page=0&per_page=2', me)).json() as { data: Post[] };
      await post(await user(), { content: 'meanwhile' });
      const before = encodeURIComponent(first.data[0]!.created_at as string);
      const second = (await call('GET', `/community/posts?page=1&per_page=2&before=${before}`, me)).json() as { data: Post[]; total_count: number };
      assert.deepEqual(second.data.map((p) => p.id), order.slice(2, 4));
      assert.equal(second.total_count, all.total_count);
      const shifted = (await call('GET', '/community/posts?page=1&per_page=2', me)).json() as { data: Post[] };
      assert.deepEqual(shifted.data.map((p) => p.id), order.slice(1, 3), 'without `before` the new post shifts the pages');
      assert.equal((await call('GET', '/community/posts?per_page=101', me)).statusCode, 422);
    });
  });

  describe('edit and delete', () => {
    it('lets the author edit (absent keys stay, image_url replaces the first image), and nobody else', async () => {
      const [author, other] = [await user(), await user()];
      const [a, b, c] = [await upload(author), await upload(author), await upload(author)];
      const p = await post(author, { title: 'Old', content: 'old text', image_urls: [a, b] });
      const res = await call('PATCH', `/community/posts/${p.id}`, author, { title: 'New', content: 'new text', image_url: c });
      assert.equal(res.statusCode, 200, res.body);
      const edited = res.json() as Post;
      assertPostShape(edited);
      assert.equal(edited.title, 'New');
      assert.equal(edited.content, 'new text');
      assert.deepEqual(edited.image_urls, [c, b]);
      assert.equal(edited.image_url, c);
      const unchanged = (await call('PATCH', `/community/posts/${p.id}`, author, { image_url: c })).json() as Post;
      assert.deepEqual(unchanged.image_urls, [c, b]);
      assert.equal(unchanged.title, 'New');

      const refused = await call('PATCH', `/community/posts/${p.id}`, other, { content: 'pwned' });
      assert.equal(refused.statusCode, 403);
      assert.equal((await call('DELETE', `/community/posts/${p.id}`, other)).statusCode, 403);
      assert.equal(((await call('GET', `/community/posts/${p.id}`, other)).json() as Post).content, 'new text');

      const cleared = (await call('PATCH', `/community/posts/${p.id}`, author, { title: null, image_url: null })).json() as Post;
      assert.deepEqual([cleared.title, cleared.image_url, cleared.image_urls, cleared.content], [null, null, null, 'new text']);

      assert.equal((await call('DELETE', `/community/posts/${p.id}`, author)).statusCode, 204);
      assert.equal((await call('GET', `/community/posts/${p.id}`, author)).statusCode, 404);
      assert.equal((await call('DELETE', `/community/posts/${p.id}`, author)).statusCode, 404);
      assert.equal((await call('PATCH', `/community/posts/${p.id}`, author, { content: 'x' })).statusCode, 404);
    });

    it('deletes the image files a deleted or edited post no longer shows, unless a crew or another post shows them', async () => {
      const me = await user();
      const [a, b, c] = [await upload(me), await upload(me), await upload(me)];
      const stored = async (url: string) => t.app.deps.storage.get(t.app.deps.storage.keyOf(url)!).then(() => true, () => false);
      await crew(me, { logo_url: a });
      const other = await post(me, { image_urls: [c] });
      const p = await post(me, { image_urls: [a, b, c] });
      assert.equal((await call('PATCH', `/community/posts/${p.id}`, me, { image_urls: [a, c] })).statusCode, 200);
      assert.deepEqual([await stored(a), await stored(b), await stored(c)], [true, false, true]);
      assert.equal((await call('DELETE', `/community/posts/${p.id}`, me)).statusCode, 204);
      assert.deepEqual([await stored(a), await stored(c)], [true, true], 'the crew’s logo and the other post’s image stay');
      assert.equal((await call('DELETE', `/community/posts/${other.id}`, me)).statusCode, 204);
      assert.equal(await stored(c), false);
    });

    it('lets a comment’s author delete it, and not someone else (the post’s author neither)', async () => {
      const [author, commenter, other] = [await user(), await user(), await user()];
      const p = await post(author);
      const c = await comment(commenter, p.id);
      assert.equal((await call('DELETE', `/community/posts/${p.id}/comments/${c.id}`, other)).statusCode, 403);
      assert.equal((await call('DELETE', `/community/posts/${p.id}/comments/${c.id}`, author)).statusCode, 403);
      const elsewhere = await post(other);
      assert.equal((await call('DELETE', `/community/posts/${elsewhere.id}/comments/${c.id}`, commenter)).statusCode, 404);
      assert.equal((await call('DELETE', `/community/posts/${p.id}/comments/${c.id}`, commenter)).statusCode, 204);
      assert.equal((await call('DELETE', `/community/posts/${p.id}/comments/${c.id}`, commenter)).statusCode, 404);
      assert.equal(((await call('GET', `/community/posts/${p.id}`, author)).json() as Post).comment_count, 0);
    });
  });

  describe('crews and courses', () => {
    it('takes posts on a crew’s board from its members only, and shows a hidden crew’s posts to its members only', async () => {
      const [owner, member, outsider] = [await user(), await user(), await user()];
      const open = await crew(owner);
      const hidden = await crew(owner, { is_public: false });
      assert.equal((await call('POST', `/crews/${open}/join`, member)).statusCode, 200);

      const refused = await call('POST', '/community/posts', outsider, { content: 'hi', post_type: 'general', crew_id: open });
      assert.equal(refused.statusCode, 403);
      const hiddenRefused = await call('POST', '/community/posts', outsider, { content: 'hi', post_type: 'general', crew_id: hidden });
      assert.equal(hiddenRefused.statusCode, 404);

      const onOpen = await post(member, { crew_id: open });
      assert.equal(onOpen.crew_id, open);
      assert.equal(onOpen.author.crew_grade_level, 1);
      const secret = await post(owner, { crew_id: hidden, content: 'members only' });
      assert.equal(secret.author.crew_grade_level, 5);

      assert.equal((await call('GET', `/community/posts/${secret.id}`, outsider)).statusCode, 404);
      assert.equal((await call('GET', `/community/posts?crew_id=${hidden}`, outsider)).statusCode, 404);
      assert.equal((await call('POST', `/community/posts/${secret.id}/comments`, outsider, { content: 'x' })).statusCode, 404);
      assert.equal((await call('POST', `/community/posts/${secret.id}/like`, outsider)).statusCode, 404);
      const feed = (await call('GET', '/community/posts?per_page=100', outsider)).json() as { data: Post[] };
      assert.ok(!feed.data.some((p) => p.id === secret.id));
      assert.ok(feed.data.some((p) => p.id === onOpen.id));
      const board = (await call('GET', `/community/posts?crew_id=${hidden}`, owner)).json() as { data: Post[]; total_count: number };
      assert.deepEqual(board.data.map((p) => p.id), [secret.id]);
      assert.equal(board.total_count, 1);
      const openBoard = (await call('GET', `/community/posts?crew_id=${open}&per_page=20`, outsider)).json() as { data: Post[] };
      assert.deepEqual(openBoard.data.map((p) => p.id), [onOpen.id]);

      // The crew's owner moderates its board, as the app and the old server let them; a member does not.
      const c = await comment(outsider, onOpen.id);
      assert.equal((await call('DELETE', `/community/posts/${onOpen.id}/comments/${c.id}`, member)).statusCode, 403);
      assert.equal((await call('DELETE', `/community/posts/${onOpen.id}/comments/${c.id}`, owner)).statusCode, 204);
      const byOwner = await post(owner, { crew_id: open });
      assert.equal((await call('DELETE', `/community/posts/${byOwner.id}`, member)).statusCode, 403);
      assert.equal((await call('DELETE', `/community/posts/${onOpen.id}`, owner)).statusCode, 204);
    });

    it('names the author’s primary crew only to those who may see that crew', async () => {
      const [author, member, outsider] = [await user(), await user(), await user()];
      const hidden = await crew(author, { is_public: false });
      await t.db.query("INSERT INTO crew_members (crew_id, user_id) VALUES ($1, $2)", [hidden, member.id]);
      const p = await post(author);
      const { rows } = await t.db.query<{ name: string }>('SELECT name FROM crews WHERE id = $1', [hidden]);
      assert.equal(((await call('GET', `/community/posts/${p.id}`, member)).json() as Post).author.crew_name, rows[0]!.name);
      assert.equal(((await call('GET', `/community/posts/${p.id}`, outsider)).json() as Post).author.crew_name, null);
    });

    it('takes a course only the caller can see, and stops naming it when it becomes private', async () => {
      const [me, other] = [await user(), await user()];
      const theirPrivate = await insertCourse(t.db, other.id, { isPublic: false });
      const res = await call('POST', '/community/posts', me, { content: 'x', post_type: 'general', course_id: theirPrivate });
      assert.equal(res.statusCode, 404);
      const mine = await insertCourse(t.db, me.id);
      const p = await post(me, { course_id: mine });
      assert.equal(p.course_id, mine);
      await t.db.query('UPDATE courses SET is_public = false WHERE id = $1', [mine]);
      assert.equal(((await call('GET', `/community/posts/${p.id}`, other)).json() as Post).course_id, null);
      assert.equal(((await call('GET', `/community/posts/${p.id}`, me)).json() as Post).course_id, mine);
    });

    it('links an event and shows its title', async () => {
      const me = await user();
      const day = 86_400_000;
      const ev = await call('POST', '/events', me, {
        title: 'Han river 10K', starts_at: new Date(Date.now() + day).toISOString(), ends_at: new Date(Date.now() + 2 * day).toISOString(),
      });
      assert.equal(ev.statusCode, 201, ev.body);
      const p = await post(me, { post_type: 'crew_promo', event_id: ev.json().id });
      assert.equal(p.event_id, ev.json().id);
      assert.equal(p.event_title, 'Han river 10K');
      assert.equal((await call('POST', '/community/posts', me, { content: 'x', post_type: 'general', event_id: randomUUID() })).statusCode, 404);
    });
  });

  describe('likes and comments', () => {
    it('toggles a like and returns the state and count', async () => {
      const [author, fan] = [await user(), await user()];
      const p = await post(author);
      const liked = await call('POST', `/community/posts/${p.id}/like`, fan);
      assert.equal(liked.statusCode, 200);
      assert.deepEqual(liked.json(), { is_liked: true, like_count: 1 });
      assert.equal(((await call('GET', `/community/posts/${p.id}`, fan)).json() as Post).is_liked, true);
      assert.equal(((await call('GET', `/community/posts/${p.id}`, author)).json() as Post).is_liked, false);
      assert.deepEqual((await call('POST', `/community/posts/${p.id}/like`, fan)).json(), { is_liked: false, like_count: 0 });
      assert.equal((await call('POST', `/community/posts/${randomUUID()}/like`, fan)).statusCode, 404);
    });

    it('keeps one like per user when the same user taps twice at once', async () => {
      const [author, fan] = [await user(), await user()];
      const p = await post(author);
      const taps = await Promise.all([1, 2].map(() => call('POST', `/community/posts/${p.id}/like`, fan)));
      assert.ok(taps.every((r) => r.statusCode === 200));
      const { rowCount } = await t.db.query('SELECT 1 FROM community_post_likes WHERE post_id = $1', [p.id]);
      const shown = (await call('GET', `/community/posts/${p.id}`, fan)).json() as Post;
      assert.ok((rowCount ?? 0) <= 1);
      assert.deepEqual([shown.like_count, shown.is_liked], [rowCount, rowCount === 1]);
    });

    it('counts 10 concurrent likes and 10 concurrent comments exactly', async () => {
      const author = await user();
      const p = await post(author);
      const fans = await Promise.all(Array.from({ length: 10 }, () => user()));
      const likes = await Promise.all(fans.map((f) => call('POST', `/community/posts/${p.id}/like`, f)));
      assert.ok(likes.every((r) => r.statusCode === 200 && r.json().is_liked === true));
      assert.deepEqual(likes.map((r) => r.json().like_count).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      const comments = await Promise.all(fans.map((f, i) => call('POST', `/community/posts/${p.id}/comments`, f, { content: `c${i}` })));
      assert.ok(comments.every((r) => r.statusCode === 201));
      const after = (await call('GET', `/community/posts/${p.id}`, author)).json() as Post;
      assert.equal(after.like_count, 10);
      assert.equal(after.comment_count, 10);
      const listed = (await call('GET', `/community/posts/${p.id}/comments?page=0&per_page=4`, author)).json() as { data: Json[]; total_count: number };
      assert.equal(listed.total_count, 10);
      assert.equal(listed.data.length, 4);
    });

    it('lists comments oldest first with the app’s keys', async () => {
      const [author, a, b] = [await user(), await user(), await user()];
      const p = await post(author);
      const first = await comment(a, p.id, 'first');
      const second = await comment(b, p.id, 'second');
      const res = await call('GET', `/community/posts/${p.id}/comments?page=0&per_page=20`, author);
      assert.equal(res.statusCode, 200);
      const body = res.json() as { data: (Json & { author: Json })[]; total_count: number };
      assert.deepEqual(body.data.map((c) => c.id), [first.id, second.id]);
      assert.equal(body.total_count, 2);
      for (const c of body.data) {
        assert.equal(typeof c.content, 'string');
        assert.ok(!Number.isNaN(Date.parse(c.created_at as string)));
        assertAuthorShape(c.author);
      }
      assert.equal(body.data[0]!.author.id, a.id);
      assert.equal((await call('GET', `/community/posts/${randomUUID()}/comments`, author)).statusCode, 404);
    });

    it('pushes community_comment to the post’s author for others’ comments only, unless turned off', async () => {
      const [author, commenter] = [await user(), await user()];
      const p = await post(author);
      const c = await comment(commenter, p.id);
      await comment(author, p.id, 'my own reply');
      assert.deepEqual((await pushes(author.id)).map((r) => r.data), [{ post_id: p.id, comment_id: c.id }]);
      assert.deepEqual(await pushes(commenter.id), []);

      const quiet = await user();
      const off = await call('PATCH', '/notifications/settings', quiet, { community_comment: false });
      assert.equal(off.statusCode, 200);
      assert.equal(off.json().community_comment, false);
      await comment(commenter, (await post(quiet)).id);
      assert.deepEqual(await pushes(quiet.id), []);
    });
  });

  describe('moderation', () => {
    it('records one report per user and post, not of one’s own post', async () => {
      const [author, reporter] = [await user(), await user()];
      const p = await post(author);
      for (let i = 0; i < 2; i++) {
        assert.equal((await call('POST', `/community/posts/${p.id}/report`, reporter, { reason: `spam ${i}` })).statusCode, 204);
      }
      const { rows } = await t.db.query<{ reason: string }>('SELECT reason FROM community_post_reports WHERE post_id = $1', [p.id]);
      assert.deepEqual(rows.map((r) => r.reason), ['spam 0']);
      const own = await call('POST', `/community/posts/${p.id}/report`, author, { reason: 'me' });
      assert.equal(own.statusCode, 422);
      assert.equal(own.json().code, 'OWN_CONTENT');
      assert.equal((await call('POST', `/community/posts/${p.id}/report`, reporter, { reason: 'x'.repeat(501) })).statusCode, 422);
      assert.equal((await call('POST', `/community/posts/${randomUUID()}/report`, reporter, { reason: 'spam' })).statusCode, 404);

      const c = await comment(author, p.id);
      const twice = await Promise.all([1, 2].map(() => call('POST', `/community/posts/${p.id}/comments/${c.id}/report`, reporter, { reason: 'rude' })));
      assert.deepEqual(twice.map((r) => r.statusCode), [204, 204]);
      assert.equal((await t.db.query('SELECT 1 FROM community_comment_reports WHERE comment_id = $1', [c.id])).rowCount, 1);
      assert.equal((await call('POST', `/community/posts/${p.id}/comments/${c.id}/report`, author, { reason: 'me' })).statusCode, 422);
      assert.equal((await call('POST', `/community/posts/${p.id}/comments/${randomUUID()}/report`, reporter, { reason: 'x' })).statusCode, 404);
    });

    it('lets only administrators list reports and remove posts and comments', async () => {
      const [author, reporter, nobody] = [await user(), await user(), await user()];
      const p = await post(author);
      const c = await comment(reporter, p.id);
      await call('POST', `/community/posts/${p.id}/report`, reporter, { reason: 'spam' });
      await call('POST', `/community/posts/${p.id}/comments/${c.id}/report`, author, { reason: 'rude' });
      for (const [method, url] of [
        ['GET', '/admin/community/reports/posts'], ['GET', '/admin/community/reports/comments'],
        ['DELETE', `/admin/community/posts/${p.id}`], ['DELETE', `/admin/community/comments/${c.id}`],
      ] as const) {
        assert.equal((await call(method, url, nobody)).statusCode, 403, url);
      }
      assert.equal(((await call('GET', `/community/posts/${p.id}`, nobody)).json() as Post).comment_count, 1);
    });

    it('hides a removed comment and post from everyone, their authors included, and updates the counts', async () => {
      const [author, commenter, reporter] = [await user(), await user(), await user()];
      const mod = await admin();
      const p = await post(author, { content: 'buy cheap watches' });
      const keep = await comment(reporter, p.id, 'fine');
      const bad = await comment(commenter, p.id, 'rude words');
      assert.equal((await call('POST', `/community/posts/${p.id}/comments/${bad.id}/report`, reporter, { reason: 'rude' })).statusCode, 204);
      assert.equal((await call('POST', `/community/posts/${p.id}/report`, reporter, { reason: 'spam' })).statusCode, 204);

      const reportedComments = (await call('GET', '/admin/community/reports/comments?page=0&per_page=50', mod)).json() as {
        data: { comment: Json; report_count: number; reasons: string[] }[];
      };
      const listed = reportedComments.data.find((r) => r.comment.id === bad.id);
      assert.deepEqual([listed?.report_count, listed?.reasons], [1, ['rude']]);
      assert.equal((await call('DELETE', `/admin/community/comments/${bad.id}`, mod)).statusCode, 204);
      const comments = (await call('GET', `/community/posts/${p.id}/comments`, commenter)).json() as { data: Json[]; total_count: number };
      assert.deepEqual(comments.data.map((x) => x.id), [keep.id]);
      assert.equal(comments.total_count, 1);
      assert.equal(((await call('GET', `/community/posts/${p.id}`, author)).json() as Post).comment_count, 1);
      assert.equal((await call('DELETE', `/community/posts/${p.id}/comments/${bad.id}`, commenter)).statusCode, 404);

      const reported = (await call('GET', '/admin/community/reports/posts?page=0&per_page=50', mod)).json() as {
        data: { post: Post; report_count: number; last_reported_at: string; reasons: string[] }[]; total_count: number;
      };
      const entry = reported.data.find((r) => r.post.id === p.id);
      assert.ok(entry, 'the reported post is listed');
      assert.equal(entry.report_count, 1);
      assert.deepEqual(entry.reasons, ['spam']);
      assertPostShape(entry.post);

      const before = ((await call('GET', '/community/posts?per_page=100', reporter)).json() as { total_count: number }).total_count;
      assert.equal((await call('DELETE', `/admin/community/posts/${p.id}`, mod)).statusCode, 204);
      assert.equal((await call('DELETE', `/admin/community/posts/${p.id}`, mod)).statusCode, 204, 'removing again is fine');
      assert.equal((await call('DELETE', `/admin/community/posts/${randomUUID()}`, mod)).statusCode, 404);
      for (const who of [author, reporter, mod]) assert.equal((await call('GET', `/community/posts/${p.id}`, who)).statusCode, 404);
      const feed = (await call('GET', '/community/posts?per_page=100', reporter)).json() as { data: Post[]; total_count: number };
      assert.ok(!feed.data.some((x) => x.id === p.id));
      assert.equal(feed.total_count, before - 1);
      assert.equal((await call('GET', `/community/posts/${p.id}/comments`, author)).statusCode, 404);
      assert.equal((await call('POST', `/community/posts/${p.id}/comments`, author, { content: 'x' })).statusCode, 404);
      assert.equal((await call('PATCH', `/community/posts/${p.id}`, author, { content: 'x' })).statusCode, 404);
      assert.equal((await call('POST', `/community/posts/${p.id}/like`, author)).statusCode, 404);
      const after = (await call('GET', '/admin/community/reports/posts?per_page=100', mod)).json() as { data: { post: Post }[] };
      assert.ok(!after.data.some((r) => r.post.id === p.id));
    });
  });

  it('deleting an account removes its posts, comments, likes and reports, and nobody else’s', async () => {
    const [leaver, stayer] = [await user(), await user()];
    const [onlyTheirs, shared] = [await upload(leaver), await upload(leaver)];
    const theirs = await post(leaver, { image_urls: [onlyTheirs, shared] });
    await post(stayer, { image_urls: [shared] });
    const staying = await post(stayer);
    await comment(leaver, staying.id, 'bye');
    const kept = await comment(stayer, staying.id, 'stay');
    await comment(stayer, theirs.id, 'on their post');
    await call('POST', `/community/posts/${staying.id}/like`, leaver);
    await call('POST', `/community/posts/${staying.id}/like`, stayer);
    await call('POST', `/community/posts/${staying.id}/report`, leaver, { reason: 'spam' });
    await call('POST', `/community/posts/${staying.id}/comments/${kept.id}/report`, leaver, { reason: 'rude' });
    await deleteAccount(t.app.deps, t.app.deps.logger, leaver.id);

    for (const table of ['community_posts', 'community_comments', 'community_post_likes', 'community_post_reports', 'community_comment_reports']) {
      assert.equal((await t.db.query(`SELECT 1 FROM ${table} WHERE user_id = $1`, [leaver.id])).rowCount, 0, table);
    }
    assert.equal((await call('GET', `/community/posts/${theirs.id}`, stayer)).statusCode, 404);
    const left = (await call('GET', `/community/posts/${staying.id}`, stayer)).json() as Post;
    assert.deepEqual([left.like_count, left.comment_count, left.is_liked], [1, 1, true]);
    const stored = async (url: string) => t.app.deps.storage.get(t.app.deps.storage.keyOf(url)!).then(() => true, () => false);
    assert.deepEqual([await stored(onlyTheirs), await stored(shared)], [false, true], 'the image another post shows stays');
  });
});
