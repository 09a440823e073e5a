import { Controller, Get, Header, Inject } from '@nestjs/common';
import { UserRuntime } from '../user.runtime';

/**
 * `GET /.well-known/jwks.json`: the public keys the gateway verifies access tokens with, by `kid`.
 * Cacheable for a few minutes: a new key is added to the list before it starts signing.
 */
@Controller('.well-known')
export class JwksHttpController {
  constructor(@Inject(UserRuntime) private readonly runtime: UserRuntime) {}

  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  jwks() {
    return this.runtime.jwks();
  }
}
