// The end of a run: a compact table on stdout (one row per scenario, then every threshold with PASS or
// FAIL and the goal it encodes) and the whole report as JSON in RESULTS_DIR.
import { RESULTS_DIR, SECONDS } from './config.js';

const metric = (data, name) => (data.metrics[name] ? data.metrics[name].values : undefined);
const count = (data, name) => {
  const values = metric(data, name);
  return values ? values.count : 0;
};
const fixed = (value, digits = 1) =>
  value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits);

/** Columns padded to one width; the first `left` columns aligned left, the others right. */
function pad(rows, left = 1) {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => String(row[column]).length)));
  return rows.map((row) =>
    row
      .map((cell, column) =>
        column < left ? String(cell).padEnd(widths[column]) : String(cell).padStart(widths[column]),
      )
      .join('  ')
      .replace(/\s+$/, ''),
  );
}

/** One row per scenario that ran: the figures the goals speak of. */
export function scenarioRows(data, scenarios) {
  return scenarios.map(({ name, vus, grpc }) => {
    const tag = `{scenario:${name}}`;
    const duration = metric(data, `${grpc ? 'grpc_req_duration' : 'http_req_duration'}${tag}`) || {};
    const requests = grpc ? duration.count || 0 : count(data, `http_reqs${tag}`);
    const checks = metric(data, `checks${tag}`);
    return {
      scenario: name,
      vus,
      requests,
      requestsPerSecond: requests / SECONDS,
      booked: count(data, `bookings_booked${tag}`),
      bookedPerSecond: count(data, `bookings_booked${tag}`) / SECONDS,
      slotTaken: count(data, `bookings_slot_taken${tag}`),
      otherRefusals: count(data, `other_refusals${tag}`),
      serverErrors: count(data, `server_errors${tag}`),
      checksFailed: checks ? checks.fails : 0,
      p50: duration.med,
      p95: duration['p(95)'],
      p99: duration['p(99)'],
    };
  });
}

/** Every threshold of the run with its verdict. */
export function thresholdRows(data, goals) {
  const rows = [];
  for (const [name, entry] of Object.entries(data.metrics)) {
    for (const [expression, verdict] of Object.entries(entry.thresholds || {})) {
      rows.push({
        metric: name,
        threshold: expression,
        ok: verdict.ok,
        goal: goals[`${name} ${expression}`] || '',
      });
    }
  }
  return rows.sort((a, b) => a.metric.localeCompare(b.metric));
}

export function summarize(data, scenarios, goals) {
  const setup = data.setup_data || {};
  const rows = scenarioRows(data, scenarios);
  const thresholds = thresholdRows(data, goals);
  const failed = thresholds.filter((row) => !row.ok).length;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = `${RESULTS_DIR}/summary-${stamp}.json`;

  const table = pad([
    [
      'scenario',
      'VUs',
      'requests',
      'req/s',
      'booked/s',
      '409 taken',
      'other 4xx',
      '5xx',
      'checks failed',
      'p50 ms',
      'p95 ms',
      'p99 ms',
    ],
    ...rows.map((row) => [
      row.scenario,
      row.vus,
      row.requests,
      fixed(row.requestsPerSecond),
      row.booked ? fixed(row.bookedPerSecond) : '-',
      row.slotTaken,
      row.otherRefusals,
      row.serverErrors,
      row.checksFailed,
      fixed(row.p50),
      fixed(row.p95),
      fixed(row.p99),
    ]),
  ]);
  const verdicts = pad(
    [
      ['threshold', 'verdict', 'goal'],
      ...thresholds.map((row) => [`${row.metric}: ${row.threshold}`, row.ok ? 'PASS' : 'FAIL', row.goal]),
    ],
    3,
  );

  const race = data.metrics.race_slots_raced
    ? `race room: ${count(data, 'race_slots_raced')} slots raced, ` +
      `${count(data, 'bookings_booked{scenario:hot_slot_race}')} answered 201, ` +
      `${count(data, 'race_slots_double_booked')} with more than one booking, ` +
      `${count(data, 'race_slots_without_winner')} without a winner\n`
    : '';
  const text =
    `\nroomledger load run ${setup.runId || '(setup failed)'}: ${scenarios.length} scenario(s), ${SECONDS} s each, ` +
    `one after another (rates per second = count / ${SECONDS} s)\n\n` +
    `${table.join('\n')}\n\n${race}${verdicts.join('\n')}\n\n` +
    `${failed === 0 ? 'all thresholds passed' : `${failed} of ${thresholds.length} thresholds FAILED`}; report: ${file}\n`;

  const report = {
    runId: setup.runId,
    finishedAt: new Date().toISOString(),
    secondsPerScenario: SECONDS,
    rooms: setup.rooms ? setup.rooms.length : undefined,
    scenarios: rows,
    thresholds,
    metrics: data.metrics,
  };
  return { stdout: text, [file]: JSON.stringify(report, null, 2) };
}
