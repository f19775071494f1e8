// The personal-data archive: a ZIP written as a stream (yazl). Small JSON files are read up front; runs.json and
// one GPX per run are produced lazily, entry by entry as the ZIP is written, so a user with thousands of runs
// never has more than one page of runs in memory.
import { Readable, Transform } from 'node:stream';
import { ZipFile } from 'yazl';
import type { Queryable } from '../../infra/db/database.js';
import { listGear } from '../gear/queries.js';
import { gpxFileName, loadRunGpx } from './gpx.js';
import * as q from './queries.js';

const RUNS_PER_PAGE = 100;

const pretty = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`);

export interface Archive {
  /** The ZIP bytes; fails if any part of the archive cannot be read. */
  stream: Readable;
  /** Bytes that have gone through `stream` so far. */
  size(): number;
}

export async function userArchive(db: Queryable, userId: string): Promise<Archive> {
  const [
    profile, courses, reviews, follows, friends, rankings, reactions, events, crews, groupRuns, challenges, liveGroupRuns, community, announcements, imports,
    gear, inbox, runs,
  ] = await Promise.all([
    q.profileData(db, userId),
    q.coursesData(db, userId),
    q.reviewsData(db, userId),
    q.followsData(db, userId),
    q.friendsData(db, userId),
    q.rankingsData(db, userId),
    q.courseReactionsData(db, userId),
    q.eventsData(db, userId),
    q.crewsData(db, userId),
    q.groupRunsData(db, userId),
    q.challengesData(db, userId),
    q.liveGroupRunsData(db, userId),
    q.communityData(db, userId),
    q.announcementsData(db, userId),
    q.importsData(db, userId),
    listGear(db, userId, true),
    q.inboxData(db, userId),
    q.runRefs(db, userId),
  ]);

  const zip = new ZipFile();
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      done(null, chunk);
    },
  });
  // yazl reports failures on the ZipFile itself; they must fail the stream whoever reads it.
  zip.on('error', (err: Error) => counter.destroy(err));
  const lazy = (name: string, produce: () => AsyncIterable<string | Buffer>) =>
    zip.addReadStreamLazy(name, (callback) => {
      const stream = Readable.from(produce());
      stream.on('error', (err) => zip.emit('error', err));
      callback(null, stream);
    });

  zip.addBuffer(pretty(profile), 'profile.json');
  lazy('runs.json', () => runsJson(db, userId, runs));
  zip.addBuffer(pretty(courses), 'courses.json');
  zip.addBuffer(pretty(reviews), 'reviews.json');
  zip.addBuffer(pretty(follows), 'follows.json');
  zip.addBuffer(pretty(friends), 'friends.json');
  zip.addBuffer(pretty(rankings), 'rankings.json');
  zip.addBuffer(pretty(reactions), 'favorites_and_likes.json');
  zip.addBuffer(pretty(events), 'events.json');
  zip.addBuffer(pretty(crews), 'crews.json');
  zip.addBuffer(pretty(groupRuns), 'group_runs.json');
  zip.addBuffer(pretty(challenges), 'challenges.json');
  zip.addBuffer(pretty(liveGroupRuns), 'live_group_runs.json');
  zip.addBuffer(pretty(community), 'community.json');
  zip.addBuffer(pretty(announcements), 'announcements.json');
  zip.addBuffer(pretty(imports), 'imports.json');
  zip.addBuffer(pretty(gear), 'gear.json');
  zip.addBuffer(pretty(inbox), 'notifications.json');
  for (const run of runs) {
    lazy(`gpx/${gpxFileName(run)}`, async function* () {
      const [full] = await q.runsByIds(db, userId, [run.id]);
      if (full) yield await loadRunGpx(db, full);
    });
  }
  zip.end();
  return { stream: (zip.outputStream as Readable).pipe(counter), size: () => size };
}

/** A JSON array of the user's runs, each with its route as GeoJSON and the name of its GPX file. */
async function* runsJson(db: Queryable, userId: string, runs: Awaited<ReturnType<typeof q.runRefs>>): AsyncGenerator<string> {
  let separator = '\n';
  yield '[';
  for (let i = 0; i < runs.length; i += RUNS_PER_PAGE) {
    // A run deleted since the list was read is simply missing from its page.
    for (const run of await q.runsByIds(db, userId, runs.slice(i, i + RUNS_PER_PAGE).map((r) => r.id))) {
      yield `${separator}${JSON.stringify({ ...run, gpx_file: `gpx/${gpxFileName(run)}` })}`;
      separator = ',\n';
    }
  }
  yield '\n]\n';
}
