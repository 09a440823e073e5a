import { Controller, Inject } from '@nestjs/common';
import { context, Downstream } from '../edge/downstream';
import { Edge } from '../edge/edge.interceptor';
import { reply, Route, type EdgeRequest } from '../edge/operation';
import {
  deactivateUser,
  eraseMe,
  eraseUser,
  getMe,
  getUser,
  login,
  logout,
  refresh,
  register,
  setRoles,
  updateMe,
  updateUser,
} from './user.operations';

interface UserReply {
  id: string;
  email: string;
  name: string;
  timeZone: string;
  workingHours: { weekday: string; start: string; end: string }[];
  preferences: { channels: string[]; reminderOffsetsMinutes: number[] } | null;
  roles: string[];
  status: string;
  version: string;
  createdAt: string;
  updatedAt: string;
}

const userReply = (user: UserReply) =>
  reply(
    {
      ...user,
      preferences: user.preferences ?? { channels: [], reminderOffsetsMinutes: [] },
      version: Number(user.version),
    },
    { version: user.version },
  );

interface TokenReply {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  tokenType: string;
  refreshExpiresIn: number;
}

/** Accounts, sign-in and profiles: mapped onto roomledger.user.v1.UserService. */
@Controller()
export class UsersHttpController {
  constructor(@Inject(Downstream) private readonly services: Downstream) {}

  @Route(register)
  async register(@Edge() request: EdgeRequest<typeof register>) {
    const user = await this.services.call<UserReply>('user', 'Register', request.body, context(request));
    return reply(
      { id: user.id, email: user.email, name: user.name, timeZone: user.timeZone },
      { location: `/v1/users/${user.id}` },
    );
  }

  @Route(login)
  login(@Edge() request: EdgeRequest<typeof login>) {
    return this.services.call<TokenReply>('user', 'Login', request.body, context(request));
  }

  @Route(refresh)
  refresh(@Edge() request: EdgeRequest<typeof refresh>) {
    return this.services.call<TokenReply>('user', 'Refresh', request.body, context(request));
  }

  @Route(logout)
  async logout(@Edge() request: EdgeRequest<typeof logout>) {
    await this.services.call('user', 'Logout', request.body, context(request));
  }

  @Route(getMe)
  async me(@Edge() request: EdgeRequest<typeof getMe>) {
    return userReply(await this.services.call<UserReply>('user', 'GetMe', {}, context(request)));
  }

  @Route(updateMe)
  updateMe(@Edge() request: EdgeRequest<typeof updateMe>) {
    return this.updateProfile('', request);
  }

  @Route(eraseMe)
  eraseMe(@Edge() request: EdgeRequest<typeof eraseMe>) {
    return this.services.call('user', 'Erase', {}, context(request));
  }

  @Route(getUser)
  async get(@Edge() request: EdgeRequest<typeof getUser>) {
    return userReply(
      await this.services.call<UserReply>('user', 'GetUser', request.params, context(request)),
    );
  }

  @Route(updateUser)
  updateUser(@Edge() request: EdgeRequest<typeof updateUser>) {
    return this.updateProfile(request.params.userId, request);
  }

  @Route(setRoles)
  async setRoles(@Edge() request: EdgeRequest<typeof setRoles>) {
    const user = await this.services.call<UserReply>(
      'user',
      'SetRoles',
      { userId: request.params.userId, roles: request.body.roles },
      context(request),
    );
    return userReply(user);
  }

  @Route(deactivateUser)
  async deactivate(@Edge() request: EdgeRequest<typeof deactivateUser>) {
    return userReply(
      await this.services.call<UserReply>('user', 'Deactivate', request.params, context(request)),
    );
  }

  @Route(eraseUser)
  eraseUser(@Edge() request: EdgeRequest<typeof eraseUser>) {
    return this.services.call('user', 'Erase', request.params, context(request));
  }

  /** Empty `userId`: the caller. Working hours travel wrapped, so "none stated" differs from "unchanged". */
  private async updateProfile(userId: string, request: EdgeRequest<typeof updateMe>) {
    const { workingHours, ...change } = request.body;
    const user = await this.services.call<UserReply>(
      'user',
      'UpdateProfile',
      { userId, ...change, ...(workingHours ? { workingHours: { spans: workingHours } } : {}) },
      context(request),
    );
    return userReply(user);
  }
}
