import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The ESLint module boundaries see whole projects, and this domain lives inside the service (nothing
 * else needs it yet), so its layering is checked here: no framework, driver or sibling-folder import;
 * the one thing from outside is the published contracts' types (`import type`, nothing at run time).
 */
describe('The notification domain', () => {
  const files = readdirSync(__dirname).filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'));

  it.each(files)('%s imports only the domain itself', (file) => {
    const source = readFileSync(join(__dirname, file), 'utf8');
    const imports = [
      ...source.matchAll(/\bfrom\s+'([^']+)'|\brequire\('([^']+)'\)|\bimport\('([^']+)'\)/g),
    ].map((match) => match[1] ?? match[2] ?? match[3]);
    // Besides itself, only the published contracts' types (erased at compile time): the feed's shapes.
    const contractTypes = [...source.matchAll(/^import type \{[^}]*\} from '@roomledger\/contracts';$/gm)]
      .length;
    const outside = imports.filter((path) => !path.startsWith('./'));
    expect(outside).toEqual(Array(contractTypes).fill('@roomledger/contracts'));
  });
});
