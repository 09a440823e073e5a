import {
  Controller,
  Get,
  Global,
  Header,
  HttpCode,
  Inject,
  Module,
  Res,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { createMetrics, type ServiceMetrics } from '@roomledger/observability';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { runReadinessChecks, type ReadinessCheck } from './readiness';
import { LOGGER, METRICS, READINESS_CHECKS, SERVICE_NAME } from './tokens';

@Controller('health')
class HealthController {
  constructor(
    @Inject(SERVICE_NAME) private readonly service: string,
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
  ) {}

  @Get('live')
  @HttpCode(200)
  live() {
    return { status: 'live', service: this.service };
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) response: Response) {
    const report = await runReadinessChecks(this.service, this.checks);
    response.status(report.status === 'not_ready' ? 503 : 200);
    return report;
  }
}

@Controller('metrics')
class MetricsController {
  constructor(@Inject(METRICS) private readonly metrics: ServiceMetrics) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Res() response: Response) {
    response.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
  }
}

enum ServingStatus {
  SERVING = 1,
  NOT_SERVING = 2,
}

/** grpc.health.v1.Health, so orchestrators and grpcurl can probe the gRPC port itself. */
@Controller()
class GrpcHealthController {
  constructor(
    @Inject(SERVICE_NAME) private readonly service: string,
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
  ) {}

  @GrpcMethod('Health', 'Check')
  async check() {
    const report = await runReadinessChecks(this.service, this.checks);
    return {
      status: report.status === 'not_ready' ? ServingStatus.NOT_SERVING : ServingStatus.SERVING,
    };
  }
}

export interface ServiceRuntimeOptions {
  service: string;
  logger: Logger;
  /** The dependencies this service really uses, checked by /health/ready and grpc.health.v1. */
  readiness: { inject: symbol[]; useFactory: (...dependencies: never[]) => ReadinessCheck[] };
}

/** Health, metrics and logging that every roomledger service has from day one. */
@Global()
@Module({})
export class ServiceRuntimeModule implements NestModule, OnApplicationShutdown {
  constructor(
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.checks.map((readiness) => readiness.close?.()));
  }

  static forRoot(options: ServiceRuntimeOptions): DynamicModule {
    return {
      module: ServiceRuntimeModule,
      controllers: [HealthController, MetricsController, GrpcHealthController],
      providers: [
        { provide: SERVICE_NAME, useValue: options.service },
        { provide: LOGGER, useValue: options.logger },
        { provide: METRICS, useValue: createMetrics(options.service) },
        {
          provide: READINESS_CHECKS,
          inject: options.readiness.inject,
          useFactory: options.readiness.useFactory,
        },
      ],
      exports: [SERVICE_NAME, LOGGER, METRICS],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    const histogram = this.metrics.httpDuration;
    consumer
      .apply((request: Request, response: Response, next: NextFunction) => {
        const stop = histogram.startTimer();
        response.once('finish', () => {
          const route = request.route?.path ? `${request.baseUrl}${request.route.path}` : 'unmatched';
          stop({ method: request.method, route, status_code: String(response.statusCode) });
        });
        next();
      })
      .forRoutes('*path');
  }
}
