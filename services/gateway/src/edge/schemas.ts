import { z } from 'zod';
import 'zod-openapi';

/** Shapes every resource of the public API shares. */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const id = (description: string) =>
  z
    .string()
    .regex(UUID, 'must be a UUID')
    .meta({ format: 'uuid', description, example: '0b8f3c52-5d0e-4f7e-9a43-1f2d3c4b5a69' });

/** A request instant: RFC 3339 with an offset (`Z` or `+02:00`). */
export const instant = (description: string, example = '2026-12-01T09:00:00+01:00') =>
  z.iso.datetime({ offset: true }).meta({ description, example });

const RFC3339 = String.raw`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})`;

/** An interval in one parameter, ISO 8601 style `start/end`, both RFC 3339 with an offset. */
export const interval = (description: string) =>
  z
    .string()
    .regex(new RegExp(`^${RFC3339}/${RFC3339}$`), 'start/end, both RFC 3339 with an offset')
    .meta({ description, example: '2026-12-01T14:00:00+01:00/2026-12-01T15:00:00+01:00' })
    .transform((value) => {
      const [start, end] = value.split('/');
      return { start, end };
    });

/** A response instant: always UTC. */
export const utc = (description: string) =>
  z.string().meta({ format: 'date-time', description, example: '2026-12-01T08:00:00Z' });

/** Text a person writes: no control characters (a NUL cannot be stored), at most `max` characters. */
export const text = (max: number, min = 0) =>
  z
    .string()
    .min(min)
    .max(max)
    // eslint-disable-next-line no-control-regex -- control characters are exactly what it refuses
    .regex(/^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/u, 'no control characters');

/** A wall-clock time: `HH:MM`, with `24:00` (midnight at the end of a day) only where an end is meant. */
export const clockTime = (end = false) =>
  z.string().regex(end ? /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/ : /^(?:[01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');

/** The canonical IANA zone names this runtime knows, and UTC: what rooms and people may be in. */
const TIME_ZONES = ['UTC', ...Intl.supportedValuesOf('timeZone')] as [string, ...string[]];
export const timeZone = z.enum(TIME_ZONES).meta({ description: 'IANA time zone', example: 'Europe/Berlin' });

/** A partial update: at least one field (`minProperties: 1` in the document, a refinement in code). */
export const atLeastOneField = <T extends z.ZodObject>(shape: T) =>
  shape
    .refine((change) => Object.keys(change).length > 0, 'send at least one field')
    .meta({ override: { minProperties: 1 } });

export const cursorQuery = {
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(200)
    .optional()
    .meta({ description: 'Items per page (default 50).' }),
  cursor: z.string().max(512).optional().meta({ description: 'The nextCursor of the previous page.' }),
};

export const page = <T extends z.ZodType>(item: T, name: string) =>
  z
    .object({
      items: z.array(item),
      nextCursor: z.string().nullable().meta({ description: 'Absent (null) on the last page.' }),
    })
    .meta({ id: name });

export const timeSpan = z.object({ start: utc('Start'), end: utc('End') }).meta({ id: 'TimeSpan' });

/** A text field of a reply, where proto3 sends '' for "not set". */
export const optional = (value: string | undefined): string | undefined => (value ? value : undefined);

/** A list query parameter, comma-separated (`amenities=projector,whiteboard`). */
export const commaList = (description: string, example: string) =>
  z
    .string()
    .max(1_000)
    .optional()
    .meta({ description, example })
    .transform((value) =>
      value
        ? value
            .split(',')
            .map((entry) => entry.trim())
            .filter(Boolean)
        : [],
    );

/** A pagination reply from a service: proto3 sends '' for "no more pages". */
export const pageOf = <S, T>(reply: { items: S[]; nextCursor: string }, map: (item: S) => T) => ({
  items: reply.items.map(map),
  nextCursor: reply.nextCursor || null,
});
