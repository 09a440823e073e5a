// How a roomledger service process is started: by `npm start` (scripts/start.mjs), by the tests' whole
// system and the benchmarks (through @roomledger/testing), and by the Dockerfile's CMD, which runs this
// file for the flags (`node scripts/service-node-args.cjs` prints them).
const { availableParallelism } = require('node:os');
const path = require('node:path');

/**
 * V8's helper threads (garbage collection, compilation): one fewer than the CPUs, from 1 to 4. Node
 * starts 4 whatever the machine; on two CPUs they compete with the service's own event loop and with
 * PostgreSQL, and the loop waited longer to run (services/booking/README.md, "What a decision costs").
 */
function v8PoolSize(cpus = availableParallelism()) {
  return Math.max(1, Math.min(4, cpus - 1));
}

/** node's flags for a service. */
function serviceNodeFlags() {
  return [
    '--enable-source-maps',
    '--disable-warning=TimeoutNegativeWarning',
    `--v8-pool-size=${v8PoolSize()}`,
  ];
}

/** node's arguments for `dist/services/<service>/src/main.js`, with the workspace's path aliases. */
function serviceNodeArgs(root, service) {
  return [
    ...serviceNodeFlags(),
    '-r',
    path.join(root, 'scripts/register-paths.cjs'),
    path.join(root, `dist/services/${service}/src/main.js`),
  ];
}

module.exports = { serviceNodeArgs, serviceNodeFlags, v8PoolSize };

if (require.main === module) process.stdout.write(serviceNodeFlags().join(' '));
