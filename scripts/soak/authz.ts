// The authorisation matrix (test/helpers/authz-matrix.ts) as a scenario: every route of the server, classified;
// attackers try each on an owner's objects; refused requests must change nothing, allowed ones only the
// attacker's rows, and no answer may carry the owner's private data. Short: one owner, one attacker, every
// route once (test/authz-matrix.test.ts). Full: several owners and attackers, rounds in random order.
import { createTestApp } from '../../test/helpers/app.js';
import { AUTHZ_APP_SETTINGS, createAttacker, createOwner, removeUsers, smallJpeg, type Attacker, type Owner } from '../../test/helpers/authz-world.js';
import { classificationProblems, ownerIntact, ROUTES, runAnonymous, runProbes, tableProblems, type World } from '../../test/helpers/authz-matrix.js';
import { prepareDatabase } from '../bench/database.js';
import type { Scale, SoakReport } from './types.js';

const SOAK_DATABASE_URL = process.env.SOAK_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/runcrew_soak';

function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

export async function run(scale: Scale): Promise<SoakReport> {
  const full = scale === 'full';
  // The short form runs on the test database (npm test sets DATABASE_URL); the full one on its own.
  const url = !full && process.env.DATABASE_URL ? process.env.DATABASE_URL : SOAK_DATABASE_URL;
  if (url === SOAK_DATABASE_URL) await prepareDatabase(url);
  const t = await createTestApp({ ...AUTHZ_APP_SETTINGS, DATABASE_URL: url });
  const failures: string[] = [];
  let requests = 0;
  const started = Date.now();
  const owners: Owner[] = [];
  const attackers: Attacker[] = [];
  try {
    const image = await smallJpeg();
    for (let i = 0; i < (full ? 5 : 1); i++) attackers.push(await createAttacker(t.app));
    const audience = attackers.map((a) => a.user);
    for (let i = 0; i < (full ? 4 : 1); i++) owners.push(await createOwner(t.app, audience));
    const world = (owner: Owner, attacker: Attacker): World => ({ app: t.app, owner, attacker, image, others: owners.filter((o) => o !== owner) });

    failures.push(...(await classificationProblems(t.app)), ...tableProblems(world(owners[0]!, attackers[0]!)));
    const keys = Object.keys(ROUTES);
    for (const owner of owners) {
      const anonymous = await runAnonymous(world(owner, attackers[0]!), keys);
      requests += anonymous.requests;
      failures.push(...anonymous.failures);
    }
    // Short: each attacker (one) against each owner (one), every route in table order. Full: random pairs and orders.
    const rounds = full ? 30 : 1;
    for (let round = 0; round < rounds; round++) {
      const w = full ? world(pick(owners), pick(attackers)) : world(owners[0]!, attackers[0]!);
      const outcome = await runProbes(w, full ? shuffled(keys) : keys);
      requests += outcome.requests;
      failures.push(...outcome.failures);
    }
    for (const owner of owners) failures.push(...(await ownerIntact(world(owner, attackers[0]!))));

    const distinct = [...new Set(failures)];
    return {
      name: 'authz',
      requests,
      faults: 0,
      failures: failures.length,
      notes: [
        `${keys.length} routes, ${owners.length} owner(s), ${attackers.length} attacker(s), ${rounds} round(s) in ${Math.round((Date.now() - started) / 1000)} s`,
        ...distinct.slice(0, 50),
        ...(distinct.length > 50 ? [`… and ${distinct.length - 50} more`] : []),
      ],
    };
  } finally {
    await removeUsers(t.app, [...owners.flatMap((o) => [o.user, o.friend]), ...attackers.map((a) => a.user)]);
    await t.close();
  }
}
