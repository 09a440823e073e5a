import type { Metadata } from '@grpc/grpc-js';
import { Controller, Inject, Injectable, UseFilters } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import {
  CallerMetadata,
  GrpcErrorFilter,
  LOGGER,
  callerOf,
  metadataText,
  type ErrorMapper,
} from '@roomledger/service-runtime';
import type { Logger } from 'pino';
import { Unauthenticated, UserError, ValidationFailed, type Actor, type ProfileChanges } from '../domain';
import type { ProfileView, TokenPair } from '../user.application';
import { UserRuntime } from '../user.runtime';

/** Refusals as the API's codes, with what the caller needs (`field`, `reason`) in ErrorInfo metadata. */
export const mapUserError: ErrorMapper = (error): ReturnType<ErrorMapper> =>
  error instanceof UserError ? { code: error.code, message: error.message, info: error.info() } : undefined;

@Injectable()
export class UserGrpcErrorFilter extends GrpcErrorFilter {
  constructor(@Inject(LOGGER) logger: Logger) {
    super(logger, mapUserError);
  }
}

interface Req {
  [field: string]: unknown;
}

/** `roomledger.user.v1.UserService`: decodes requests, calls the application, encodes replies. */
@Controller()
@UseFilters(UserGrpcErrorFilter)
export class UserGrpcController {
  constructor(@Inject(UserRuntime) private readonly runtime: UserRuntime) {}

  private get app() {
    return this.runtime.application;
  }

  @GrpcMethod('UserService', 'Register')
  async register(request: Req) {
    const user = await this.app.register({
      email: request.email,
      name: request.name,
      password: request.password,
      timeZone: request.timeZone,
    });
    return userReply(user);
  }

  @GrpcMethod('UserService', 'Login')
  async login(request: Req) {
    return tokenReply(await this.app.login({ email: request.email, password: request.password }));
  }

  @GrpcMethod('UserService', 'Refresh')
  async refresh(request: Req) {
    return tokenReply(await this.app.refresh(request.refreshToken));
  }

  @GrpcMethod('UserService', 'Logout')
  async logout(request: Req) {
    await this.app.logout(request.refreshToken);
    return {};
  }

  @GrpcMethod('UserService', 'GetMe')
  async getMe(_request: Req, metadata: Metadata) {
    const actor = actorOf(metadata);
    return userReply(await this.app.getUser(actor, actor.userId));
  }

  @GrpcMethod('UserService', 'GetUser')
  async getUser(request: Req, metadata: Metadata) {
    return userReply(await this.app.getUser(actorOf(metadata), required(request, 'userId')));
  }

  @GrpcMethod('UserService', 'UpdateProfile')
  async updateProfile(request: Req, metadata: Metadata) {
    const actor = actorOf(metadata);
    const changes: ProfileChanges = {
      ...(request.name !== undefined ? { name: request.name } : {}),
      ...(request.timeZone !== undefined ? { timeZone: request.timeZone } : {}),
      ...(isMessage(request.workingHours) ? { workingHours: request.workingHours.spans } : {}),
      ...(isMessage(request.preferences) ? { preferences: request.preferences } : {}),
    };
    return userReply(await this.app.updateProfile(actor, targetOf(request, actor), changes));
  }

  @GrpcMethod('UserService', 'SetRoles')
  async setRoles(request: Req, metadata: Metadata) {
    return userReply(await this.app.setRoles(actorOf(metadata), required(request, 'userId'), request.roles));
  }

  @GrpcMethod('UserService', 'Deactivate')
  async deactivate(request: Req, metadata: Metadata) {
    const actor = actorOf(metadata);
    return userReply(await this.app.deactivate(actor, targetOf(request, actor)));
  }

  @GrpcMethod('UserService', 'Erase')
  async erase(request: Req, metadata: Metadata) {
    const actor = actorOf(metadata);
    return this.app.erase(actor, targetOf(request, actor));
  }

  @GrpcMethod('UserService', 'GetJwks')
  getJwks() {
    return { keys: this.runtime.jwks().keys.map((key) => ({ ...key, y: key.y ?? '' })) };
  }
}

/** Who is asking, from the gateway's metadata. */
export function actorOf(metadata: Metadata): Actor {
  if (!metadataText(metadata, CallerMetadata.userId)) {
    throw new Unauthenticated('missing_caller', `missing ${CallerMetadata.userId} metadata`);
  }
  const { userId, roles } = callerOf(metadata);
  return { userId, roles: [...roles] };
}

function required(request: Req, field: string): string {
  const value = request[field];
  if (typeof value !== 'string' || value === '') throw new ValidationFailed(field, 'required', 'required');
  return value;
}

/** `user_id` empty: the caller. */
function targetOf(request: Req, actor: Actor): string {
  return typeof request.userId === 'string' && request.userId !== '' ? request.userId : actor.userId;
}

/** A message field that was sent (proto-loader gives `null` for one that was not). */
function isMessage(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function userReply(user: ProfileView) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    timeZone: user.timeZone,
    workingHours: user.workingHours.map((span) => ({ ...span })),
    preferences: {
      channels: [...user.preferences.channels],
      reminderOffsetsMinutes: [...user.preferences.reminderOffsetsMinutes],
    },
    roles: [...user.roles],
    status: user.status,
    version: user.version,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

function tokenReply(pair: TokenPair) {
  return {
    accessToken: pair.accessToken,
    refreshToken: pair.refreshToken,
    expiresIn: pair.expiresIn,
    tokenType: 'Bearer',
    refreshExpiresIn: pair.refreshExpiresIn,
  };
}
