import {
  Catch,
  HttpException,
  Inject,
  NotFoundException,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { currentTraceIds } from '@roomledger/observability';
import { LOGGER } from '@roomledger/service-runtime';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { allowedMethods, API_OPERATIONS, type AnyOperation } from './operation';
import { methodNotAllowed, ProblemError, problemBody } from './problem';

/**
 * Every error leaving an HTTP route becomes `application/problem+json` with a stable `code`. Errors the
 * edge did not make itself (a bug, a driver error) are logged with their stack and answered with a
 * generic `internal`: no stack traces, SQL or service internals reach the client.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(API_OPERATIONS) private readonly operations: readonly AnyOperation[],
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const problem = this.problemOf(exception, request);
    if (response.headersSent) return;
    for (const [name, value] of Object.entries(problem.headers)) response.setHeader(name, value);
    response
      .status(problem.status)
      .type('application/problem+json')
      .send(
        JSON.stringify(
          problemBody(problem, { instance: request.originalUrl, traceId: currentTraceIds()?.trace_id }),
        ),
      );
  }

  private problemOf(exception: unknown, request: Request): ProblemError {
    if (exception instanceof ProblemError) return exception;
    const status = statusOf(exception);
    if (status === 404 && exception instanceof NotFoundException) {
      const allowed = allowedMethods(this.operations, request.path);
      if (allowed.length) return methodNotAllowed(request, allowed);
    }
    if (status === 404) return new ProblemError('not_found', `no route ${request.method} ${request.path}`);
    if (status === 413) return new ProblemError('payload_too_large', 'the request body is over the limit');
    if (status === 415)
      return new ProblemError('unsupported_media_type', 'send the body as application/json');
    if (status === 400) return new ProblemError('validation_failed', 'the request body is not valid JSON');
    this.logger.error({ err: exception, method: request.method, path: request.path }, 'request failed');
    return new ProblemError('internal', 'internal error');
  }
}

/** The HTTP status a framework or body-parser error carries, if any. */
function statusOf(exception: unknown): number | undefined {
  if (exception instanceof HttpException) return exception.getStatus();
  const status = (exception as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}
