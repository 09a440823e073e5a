import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startContainerStack } from './container-stack';

const root = join(__dirname, '../../../..');

/**
 * Makes sure the real servers the integration and end-to-end tiers need are running:
 * - ROOMLEDGER_TEST_STACK=external: someone else started them; their addresses are in the environment;
 * - a reachable Docker engine (or ROOMLEDGER_TEST_STACK=containers): Testcontainers starts them;
 * - otherwise (our machines): infra/local starts them as local processes, idempotently.
 */
export default async function globalSetup(): Promise<void> {
  const mode = process.env.ROOMLEDGER_TEST_STACK ?? (dockerEngineReachable() ? 'containers' : 'local');
  if (mode === 'external') return;
  if (mode === 'containers') {
    await startContainerStack();
    return;
  }
  execFileSync('bash', [join(root, 'infra/local/stack'), 'up', '--for-tests'], {
    stdio: 'inherit',
    env: { ...process.env, PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH ?? ''}` },
  });
}

function dockerEngineReachable(): boolean {
  const probe = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], {
    timeout: 5_000,
    stdio: 'pipe',
  });
  return probe.status === 0 && probe.stdout.toString().trim().length > 0;
}
