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

/** A response instant: always UTC. */
export const utc = (description: string) =>
  z.string().meta({ format: 'date-time', description, example: '2026-12-01T08:00:00Z' });

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
