/** A consumed event breaks the public contract in a way this service cannot work around. */
export class ContractViolation extends Error {
  override readonly name = 'ContractViolation';
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * Reads the fields a notice needs from an event's JSON value, naming the first one that breaks the
 * contract. Deliberately lenient beyond that: consumers must tolerate what they do not know.
 */
export class PayloadReader {
  private readonly value: Record<string, unknown>;

  constructor(
    value: unknown,
    private readonly what: string,
  ) {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new ContractViolation(`${what}: the value is not a JSON object`);
    this.value = value as Record<string, unknown>;
  }

  string(name: string): string {
    const found = this.value[name];
    if (typeof found !== 'string' || found === '')
      throw new ContractViolation(`${this.what}: ${name} must be a non-empty string`);
    return found;
  }

  optionalString(name: string): string | undefined {
    return this.value[name] === undefined ? undefined : this.string(name);
  }

  /** An RFC 3339 instant, returned in UTC (`...Z`). */
  instant(name: string): string {
    const text = this.string(name);
    const ms = Date.parse(text);
    if (!INSTANT.test(text) || Number.isNaN(ms))
      throw new ContractViolation(`${this.what}: ${name} must be an RFC 3339 instant`);
    return new Date(ms).toISOString();
  }

  positiveInteger(name: string): number {
    const found = this.value[name];
    if (typeof found !== 'number' || !Number.isSafeInteger(found) || found < 1)
      throw new ContractViolation(`${this.what}: ${name} must be a positive integer`);
    return found;
  }

  /** A whole number ≥ 0 (a SEQUENCE or a stream revision starts at 0). */
  count(name: string): number {
    const found = this.value[name];
    if (typeof found !== 'number' || !Number.isSafeInteger(found) || found < 0)
      throw new ContractViolation(`${this.what}: ${name} must be a whole number`);
    return found;
  }

  optionalInstant(name: string): string | undefined {
    return this.value[name] === undefined ? undefined : this.instant(name);
  }

  /** One of `allowed`. */
  oneOf<T extends string>(name: string, allowed: readonly T[]): T {
    const found = this.string(name);
    if (!(allowed as readonly string[]).includes(found))
      throw new ContractViolation(`${this.what}: ${name} must be one of ${allowed.join(', ')}`);
    return found as T;
  }

  /** An array of objects (absent: empty). */
  objects(name: string): PayloadReader[] {
    const found = this.value[name];
    if (found === undefined) return [];
    if (!Array.isArray(found)) throw new ContractViolation(`${this.what}: ${name} must be an array`);
    return found.map((item, index) => new PayloadReader(item, `${this.what}.${name}[${index}]`));
  }

  /** The raw JSON value of a property, for fields passed on as they are. */
  raw(name: string): unknown {
    return this.value[name];
  }

  /** The names of the properties (for maps keyed by attendee). */
  keys(): string[] {
    return Object.keys(this.value);
  }

  boolean(name: string, fallback: boolean): boolean {
    const found = this.value[name];
    if (found === undefined) return fallback;
    if (typeof found !== 'boolean') throw new ContractViolation(`${this.what}: ${name} must be a boolean`);
    return found;
  }

  /** A nested object, or undefined when absent. */
  optionalObject(name: string): PayloadReader | undefined {
    const found = this.value[name];
    return found === undefined ? undefined : new PayloadReader(found, `${this.what}.${name}`);
  }

  optionalStrings(name: string): string[] | undefined {
    const found = this.value[name];
    if (found === undefined) return undefined;
    if (!Array.isArray(found) || found.some((item) => typeof item !== 'string'))
      throw new ContractViolation(`${this.what}: ${name} must be an array of strings`);
    return found as string[];
  }

  optionalIntegers(name: string): number[] | undefined {
    const found = this.value[name];
    if (found === undefined) return undefined;
    if (!Array.isArray(found) || found.some((item) => !Number.isInteger(item)))
      throw new ContractViolation(`${this.what}: ${name} must be an array of integers`);
    return found as number[];
  }
}
