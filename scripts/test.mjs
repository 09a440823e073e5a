// `npm test`: the whole suite against real servers. Pure specs first (in parallel), then the
// integration and end-to-end tiers one file at a time: they share one PostgreSQL server, whose
// cluster-wide transaction horizon makes event-store subscribers wait for any open transaction.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const jest = join(root, 'node_modules/jest/bin/jest.js');
const extra = process.argv.slice(2);
const reports = mkdtempSync(join(tmpdir(), 'roomledger-test-'));
process.env.PATH = `${join(root, 'node_modules/.bin')}:${process.env.PATH ?? ''}`;

const phases = [
  { name: 'unit', args: ['--selectProjects', 'unit', '--maxWorkers=2'] },
  { name: 'integration-e2e', args: ['--selectProjects', 'integration', 'e2e', '--runInBand'] },
];

const totals = { passed: 0, failed: 0, skipped: 0 };
let failed = false;
for (const phase of phases) {
  const outputFile = join(reports, `${phase.name}.json`);
  const run = spawnSync(
    process.execPath,
    // Some OpenTelemetry exporters load code with import(); Jest's VM allows that only with this flag.
    [
      '--experimental-vm-modules',
      '--disable-warning=ExperimentalWarning',
      '--disable-warning=TimeoutNegativeWarning',
      jest,
      ...phase.args,
      '--passWithNoTests',
      '--json',
      `--outputFile=${outputFile}`,
      ...extra,
    ],
    { cwd: root, stdio: 'inherit', env: process.env },
  );
  try {
    const report = JSON.parse(readFileSync(outputFile, 'utf8'));
    totals.passed += report.numPassedTests;
    totals.failed += report.numFailedTests + report.numRuntimeErrorTestSuites;
    totals.skipped += report.numPendingTests + report.numTodoTests;
  } catch {
    totals.failed += 1; // jest died before it could report
  }
  if (run.status !== 0) failed = true;
}

console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failed || totals.failed > 0 ? 1 : 0);
