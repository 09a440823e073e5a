import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let root: string | undefined;

/** The repository root, found from this file whether it runs from source (tests) or from dist. */
export function repoRoot(): string {
  if (root) return root;
  let dir = __dirname;
  while (dir !== dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'roomledger') {
      root = dir;
      return dir;
    }
    dir = dirname(dir);
  }
  throw new Error(`cannot find the roomledger repository above ${__dirname}`);
}

/** A .proto file of the contracts library. */
export function protoPath(relative: string): string {
  return join(repoRoot(), 'libs/contracts/proto', relative);
}
