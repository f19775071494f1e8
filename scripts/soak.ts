// `npm run soak`: the full versions of the stress, fault and hostile-input scenarios (test/ runs the same
// scenarios in a short form in CI). Each scenario module in scripts/soak/ exports `run(scale)` and returns
// what it sent, what it injected and what failed; this prints them and exits non-zero on any failure.
// Needs a real PostgreSQL + PostGIS: SOAK_DATABASE_URL (default: a runcrew_soak database on 127.0.0.1).
import { readdirSync } from 'node:fs';
import type { SoakReport, SoakScenario } from './soak/types.js';

const only = process.argv.slice(2);
const files = readdirSync(new URL('./soak/', import.meta.url))
  .filter((f) => f.endsWith('.ts') && f !== 'types.ts' && !f.startsWith('_'))
  .filter((f) => only.length === 0 || only.some((name) => f.startsWith(name)))
  .sort();

const reports: SoakReport[] = [];
for (const file of files) {
  const scenario = (await import(`./soak/${file}`)) as SoakScenario;
  const started = Date.now();
  console.log(`\n== ${file}`);
  const report = await scenario.run('full');
  reports.push(report);
  console.log(`   ${report.requests} requests, ${report.faults} faults injected, ${report.failures} failures in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  for (const note of report.notes) console.log(`   - ${note}`);
}

console.log('\nscenario                         requests    faults  failures');
for (const r of reports) console.log(`${r.name.padEnd(32)} ${String(r.requests).padStart(8)} ${String(r.faults).padStart(9)} ${String(r.failures).padStart(9)}`);
const failed = reports.filter((r) => r.failures > 0).length;
console.log(`${reports.length - failed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
