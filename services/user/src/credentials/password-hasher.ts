import { hash, parseOptions, verify } from '@node-rs/argon2';

/** `Algorithm.Argon2id` (a `const enum` in the package's typings, which per-file compilers cannot inline). */
const ARGON2ID = 2;

/**
 * Argon2id (RFC 9106) through @node-rs/argon2: memory-hard, so guessing on GPUs is expensive; prebuilt
 * binaries, so no compiler at install time. Parameters are OWASP's first recommendation (19 MiB, two
 * passes, one lane): some tens of milliseconds per hash. The PHC string stores them with each hash, so
 * they can be raised later: `needsRehash` tells when a stored hash uses other ones, and login re-hashes.
 */
export const ARGON2_PARAMETERS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export class PasswordHasher {
  /** Verified against when the e-mail is unknown, so that answer takes as long as a wrong password. */
  private decoy: Promise<string> | undefined;

  hash(password: string): Promise<string> {
    return hash(password, { ...ARGON2_PARAMETERS, algorithm: ARGON2ID as never });
  }

  /** False for no stored hash (unknown user, erased user), after the same amount of work. */
  async verify(storedHash: string | null | undefined, password: string): Promise<boolean> {
    this.decoy ??= this.hash('a decoy that never matches anything');
    const target = storedHash ?? (await this.decoy);
    const matches = await verify(target, password).catch(() => false);
    return !!storedHash && matches;
  }

  needsRehash(storedHash: string): boolean {
    try {
      const used = parseOptions(storedHash);
      return (
        (used.algorithm as number) !== ARGON2ID ||
        used.memoryCost !== ARGON2_PARAMETERS.memoryCost ||
        used.timeCost !== ARGON2_PARAMETERS.timeCost ||
        used.parallelism !== ARGON2_PARAMETERS.parallelism
      );
    } catch {
      return true;
    }
  }
}
