/**
 * A checkpoint names a place in the store's one global order (`$all`): "everything up to and including
 * this event". Consumers store it with the effects of a batch and resume after it.
 *
 * It is a string holding two unsigned 64-bit numbers, each as 16 lower-case hex digits, joined by '/':
 * `0000000000000a2f/00000000000031c4`. What the two numbers mean is the adapter's business
 * (PostgreSQL: writing transaction id, global position; EventStoreDB: commit, prepare position), but
 * the order is the same everywhere: by the first number, then the second. Because the width is fixed,
 * plain string comparison gives that order, so a checkpoint can be kept in a `text` column and compared
 * there too. "Before everything" is `undefined` (a column's `null`).
 */
export type Checkpoint = string & { readonly __brand: 'Checkpoint' };

export interface CheckpointParts {
  readonly major: bigint;
  readonly minor: bigint;
}

const U64_MAX = (1n << 64n) - 1n;
const FORMAT = /^[0-9a-f]{16}\/[0-9a-f]{16}$/;

export function encodeCheckpoint(parts: CheckpointParts): Checkpoint {
  return `${hex16(parts.major)}/${hex16(parts.minor)}` as Checkpoint;
}

export function decodeCheckpoint(checkpoint: string): CheckpointParts {
  if (!FORMAT.test(checkpoint)) {
    throw new InvalidCheckpoint(checkpoint);
  }
  return { major: BigInt(`0x${checkpoint.slice(0, 16)}`), minor: BigInt(`0x${checkpoint.slice(17)}`) };
}

/** Validates a checkpoint read back from storage or configuration. */
export function parseCheckpoint(value: string): Checkpoint {
  decodeCheckpoint(value);
  return value as Checkpoint;
}

export function isCheckpoint(value: unknown): value is Checkpoint {
  return typeof value === 'string' && FORMAT.test(value);
}

/** Orders two checkpoints; `undefined` is "before everything". */
export function compareCheckpoints(a: Checkpoint | undefined, b: Checkpoint | undefined): -1 | 0 | 1 {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  return a < b ? -1 : 1;
}

/** The later of two checkpoints. */
export function laterCheckpoint(
  a: Checkpoint | undefined,
  b: Checkpoint | undefined,
): Checkpoint | undefined {
  return compareCheckpoints(a, b) >= 0 ? a : b;
}

export class InvalidCheckpoint extends Error {
  override readonly name = 'InvalidCheckpoint';
  constructor(readonly value: string) {
    super(`not an event store checkpoint: ${JSON.stringify(value)}`);
  }
}

function hex16(value: bigint): string {
  if (value < 0n || value > U64_MAX) {
    throw new RangeError(`checkpoint part out of range: ${value}`);
  }
  return value.toString(16).padStart(16, '0');
}
