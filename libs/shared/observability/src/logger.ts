import pino, { type Logger } from 'pino';
import { currentTraceIds } from './trace-context';

export type { Logger } from 'pino';

/** Fields that may carry secrets or personal data; pino replaces them wherever they appear. */
const redactedPaths = [
  'password',
  '*.password',
  'token',
  '*.token',
  'accessToken',
  'refreshToken',
  '*.accessToken',
  '*.refreshToken',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'email',
  '*.email',
  'secret',
  '*.secret',
];

/** JSON logs, one event a line, with the active trace and span ids on every line. */
export function createLogger(options: {
  service: string;
  level: string;
  destination?: pino.DestinationStream;
}): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: 'msg',
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => currentTraceIds() ?? {},
      redact: { paths: redactedPaths, censor: '[redacted]' },
    },
    options.destination,
  );
}
