import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import {
  downstreamCheck,
  LOGGER,
  REDIS,
  serviceModules,
  startService,
  type StartedService,
} from '@roomledger/service-runtime';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { BookingsHttpController } from './bookings/bookings.http-controller';
import type { GatewayConfig } from './config';
import { TokenVerifier } from './edge/authentication';
import { DocsHttpController, OPENAPI_DOCUMENT } from './edge/docs.http-controller';
import { Downstream } from './edge/downstream';
import { Admission } from './edge/admission';
import { EdgeInterceptor } from './edge/edge.interceptor';
import { commandIdFor, IdempotencyStore } from './edge/idempotency';
import { openApiDocument } from './edge/openapi';
import { API_OPERATIONS, operationsOf, type AnyOperation } from './edge/operation';
import { ProblemFilter } from './edge/problem.filter';
import { SlidingWindowLimiter } from './edge/rate-limit';
import { publicGrpcServer } from './grpc-edge/public-grpc.server';
import { MeetingsHttpController } from './meetings/meetings.http-controller';
import { NotificationsHttpController } from './notifications/notifications.http-controller';
import { RoomsHttpController } from './rooms/rooms.http-controller';
import { UsersHttpController } from './users/users.http-controller';

/**
 * The REST API, in the order its routes are matched (meetings first: its `/v1/users/free-busy` must
 * match before the users' `/v1/users/{userId}`).
 */
const API_CONTROLLERS = [
  MeetingsHttpController,
  NotificationsHttpController,
  UsersHttpController,
  RoomsHttpController,
  BookingsHttpController,
];
const API_VERSION = '1.0.0';

/** What the gateway does without Redis (its readiness reports `degraded` and says this). */
export const WITHOUT_REDIS =
  'rate limits are not enforced; writes with an Idempotency-Key are refused (503), writes without one are served';

class DownstreamLifecycle implements OnApplicationShutdown {
  constructor(@Inject(Downstream) private readonly downstream: Downstream) {}
  onApplicationShutdown(): void {
    this.downstream.close();
  }
}

@Module({})
export class GatewayAppModule {
  static forRoot(config: GatewayConfig, logger: Logger): DynamicModule {
    return {
      module: GatewayAppModule,
      imports: serviceModules({
        service: 'gateway',
        logger,
        redis: { url: config.REDIS_URL, optional: { whenDown: WITHOUT_REDIS } },
        // The gateway is ready when every service behind it reports ready.
        extraChecks: [
          downstreamCheck('room', config.ROOM_SERVICE_HTTP_URL),
          downstreamCheck('booking', config.BOOKING_SERVICE_HTTP_URL),
          downstreamCheck('user', config.USER_SERVICE_HTTP_URL),
          downstreamCheck('notification', config.NOTIFICATION_SERVICE_HTTP_URL),
        ],
      }),
      controllers: [DocsHttpController, ...API_CONTROLLERS],
      providers: [
        {
          provide: TokenVerifier,
          useValue: new TokenVerifier(
            `${config.USER_SERVICE_HTTP_URL.replace(/\/$/, '')}/.well-known/jwks.json`,
            {
              issuer: config.JWT_ISSUER,
              audience: config.JWT_AUDIENCE,
            },
          ),
        },
        {
          provide: Downstream,
          useFactory: () =>
            new Downstream(
              {
                booking: config.BOOKING_SERVICE_GRPC_ADDRESS,
                meeting: config.BOOKING_SERVICE_GRPC_ADDRESS,
                scheduling: config.BOOKING_SERVICE_GRPC_ADDRESS,
                notification: config.NOTIFICATION_SERVICE_GRPC_ADDRESS,
                room: config.ROOM_SERVICE_GRPC_ADDRESS,
                user: config.USER_SERVICE_GRPC_ADDRESS,
              },
              config.REQUEST_TIMEOUT_MS,
            ),
        },
        DownstreamLifecycle,
        {
          provide: Admission,
          inject: [REDIS, LOGGER],
          useFactory: (redis: Redis, log: Logger) =>
            new Admission(
              config,
              new SlidingWindowLimiter(redis, { prefix: `${config.REDIS_KEY_PREFIX}:rate` }),
              log,
            ),
        },
        {
          provide: IdempotencyStore,
          inject: [REDIS],
          useFactory: (redis: Redis) =>
            new IdempotencyStore(redis, {
              ttlSeconds: config.IDEMPOTENCY_TTL_SECONDS,
              prefix: `${config.REDIS_KEY_PREFIX}:idempotency`,
              // A claim outlives the longest request, so a repeat meanwhile is "in progress", not a second run.
              lockSeconds: Math.ceil(config.REQUEST_TIMEOUT_MS / 1_000) + 5,
            }),
        },
        { provide: API_OPERATIONS, useValue: operationsOf(API_CONTROLLERS) },
        {
          provide: OPENAPI_DOCUMENT,
          inject: [API_OPERATIONS],
          useFactory: (operations: AnyOperation[]) => openApiDocument(operations, API_VERSION),
        },
        { provide: APP_INTERCEPTOR, useClass: EdgeInterceptor },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }
}

export function startGateway(config: GatewayConfig, logger: Logger): Promise<StartedService> {
  return startService({
    module: GatewayAppModule.forRoot(config, logger),
    config,
    logger,
    // The public gRPC edge: the services' own contracts, forwarded after the same authentication and limits.
    grpc: {
      start: (app, host, port) =>
        publicGrpcServer({
          downstream: {
            booking: config.BOOKING_SERVICE_GRPC_ADDRESS,
            meeting: config.BOOKING_SERVICE_GRPC_ADDRESS,
            scheduling: config.BOOKING_SERVICE_GRPC_ADDRESS,
            notification: config.NOTIFICATION_SERVICE_GRPC_ADDRESS,
            room: config.ROOM_SERVICE_GRPC_ADDRESS,
            user: config.USER_SERVICE_GRPC_ADDRESS,
          },
          verifier: app.get(TokenVerifier),
          admit: async ({ caller, peer, service, write }) => {
            await app.get(Admission).admit({ caller, ip: peer, write, auth: service === 'user' && !caller });
          },
          commandIdFor,
          defaultTimeoutMs: config.REQUEST_TIMEOUT_MS,
          logger,
        }).start(app, host, port),
    },
    http: (app) => {
      const express = app as NestExpressApplication;
      express.useBodyParser('json', {
        limit: config.BODY_LIMIT_BYTES,
        type: ['application/json', 'application/*+json'],
      });
      express.disable('x-powered-by');
      const server = app.getHttpServer() as import('node:http').Server;
      // A request that takes longer than the calls behind it can is cut off rather than held open.
      server.requestTimeout = config.REQUEST_TIMEOUT_MS + 5_000;
    },
  });
}
