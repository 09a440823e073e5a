import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import type { ServiceMetrics, Tracing } from '@roomledger/observability';
import type { Logger } from 'pino';
import { grpcCallMetrics } from './grpc-call-metrics';
import { NestPinoLogger } from './nest-logger';
import { protoPath } from './repo-paths';
import { LOGGER, METRICS } from './tokens';

export interface ListenConfig {
  HTTP_HOST: string;
  HTTP_PORT: number;
  GRPC_HOST: string;
  GRPC_PORT: number;
  SHUTDOWN_GRACE_MS: number;
}

export interface GrpcContract {
  /** Proto packages served, e.g. ['roomledger.booking.v1']; grpc.health.v1 is always added. */
  packages: string[];
  /** Proto files relative to libs/contracts/proto. */
  protoFiles: string[];
}

/** A gRPC server a service runs itself instead of Nest's (the gateway's public edge is a proxy). */
export interface OwnGrpcServer {
  /** Starts listening on host:port (port 0: any free one) and says where. */
  start(
    app: INestApplication,
    host: string,
    port: number,
  ): Promise<{ address: string; close(): Promise<void> }>;
}

export interface StartedService {
  app: INestApplication;
  httpUrl: string;
  grpcAddress: string;
  close(): Promise<void>;
}

/**
 * Starts a service's Nest application: HTTP (health, metrics, and the gateway's API) and gRPC.
 * Tests call it too, with port 0, so they run the same start-up path as production.
 */
export async function startService(options: {
  module: unknown;
  config: ListenConfig;
  logger: Logger;
  grpc?: GrpcContract | OwnGrpcServer;
  /** Adjusts the HTTP platform before routes are bound (body limits, timeouts). */
  http?: (app: INestApplication) => void;
}): Promise<StartedService> {
  const { config, logger } = options;
  const app = await NestFactory.create(options.module as never, {
    logger: new NestPinoLogger(logger),
    abortOnError: false,
  });
  options.http?.(app);
  const grpc = options.grpc ?? { packages: [], protoFiles: [] };
  if ('start' in grpc) {
    await app.init();
    const own = await grpc.start(app, config.GRPC_HOST, config.GRPC_PORT);
    try {
      await app.listen(config.HTTP_PORT, config.HTTP_HOST);
    } catch (error) {
      await own.close();
      throw error;
    }
    return {
      app,
      httpUrl: httpUrlOf(app, config.HTTP_HOST),
      grpcAddress: own.address,
      close: async () => {
        await own.close();
        await app.close();
      },
    };
  }
  app.connectMicroservice<MicroserviceOptions>(
    {
      transport: Transport.GRPC,
      options: {
        url: `${config.GRPC_HOST}:${config.GRPC_PORT}`,
        package: ['grpc.health.v1', ...grpc.packages],
        protoPath: [protoPath('grpc/health/v1/health.proto'), ...grpc.protoFiles.map(protoPath)],
        loader: { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true },
        // grpc-js server options: its interceptors see every call, before Nest and after it.
        channelOptions: {
          interceptors: [grpcCallMetrics(app.get<ServiceMetrics>(METRICS), app.get<Logger>(LOGGER))],
        },
      },
    },
    { inheritAppConfig: true },
  );
  await app.startAllMicroservices();
  await app.listen(config.HTTP_PORT, config.HTTP_HOST);
  const grpcAddress = `${config.GRPC_HOST}:${config.GRPC_PORT}`;
  return { app, httpUrl: httpUrlOf(app, config.HTTP_HOST), grpcAddress, close: () => app.close() };
}

function httpUrlOf(app: INestApplication, host: string): string {
  const address = app.getHttpServer().address() as { port: number };
  return `http://${host}:${address.port}`;
}

/** Runs a service as a process: start, log where it listens, stop cleanly on SIGTERM/SIGINT. */
export async function runServiceProcess(options: {
  name: string;
  start: () => Promise<StartedService>;
  logger: Logger;
  tracing: Tracing;
  graceMs: number;
}): Promise<void> {
  const { logger } = options;
  let service: StartedService;
  try {
    service = await options.start();
  } catch (error) {
    logger.fatal({ err: error }, `${options.name} failed to start`);
    await options.tracing.shutdown().catch(() => undefined);
    process.exit(1);
  }
  logger.info({ http: service.httpUrl, grpc: service.grpcAddress }, `${options.name} listening`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${options.name} stopping`);
    setTimeout(() => {
      logger.error(`${options.name} did not stop within ${options.graceMs} ms; exiting`);
      process.exit(1);
    }, options.graceMs).unref();
    try {
      await service.close();
      await options.tracing.shutdown();
      logger.info(`${options.name} stopped`);
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, `${options.name} failed to stop cleanly`);
      // The spans of a failed stop are the ones worth having.
      await options.tracing.shutdown().catch(() => undefined);
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
