import { z } from 'zod';

/** A configuration problem, reported as one line naming every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export type EnvSchema = z.ZodObject<z.ZodRawShape>;

/**
 * Reads and validates a service's configuration from environment variables.
 * Every variable has a default that works on the local stack; a bad value is refused, never guessed.
 */
export function loadConfig<S extends EnvSchema>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    const value = env[String(issue.path[0])];
    const shown = value === undefined ? 'unset' : isSecret(name) ? 'set' : JSON.stringify(value);
    return `${name} (${shown}): ${issue.message}`;
  });
  throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
}

/** The variable names a schema reads; used to check docker-compose and infra/local agree. */
export function configVariables(schema: EnvSchema): string[] {
  return Object.keys(schema.shape).sort();
}

function isSecret(name: string): boolean {
  return /PASSWORD|SECRET|TOKEN|KEY/i.test(name) || /URL$/.test(name);
}

/** For a service's entry point: a bad configuration stops the process with one clear line. */
export function loadConfigOrExit<S extends EnvSchema>(service: string, schema: S): z.infer<S> {
  try {
    return loadConfig(schema);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${service}: ${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
}
