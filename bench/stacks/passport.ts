/**
 * (b) What most NestJS tutorials use: `@nestjs/passport` with `passport-oauth2` (`state: true`, `pkce: true`,
 * both kept in the session) and `express-session` with its default MemoryStore, on Express. The user the
 * tokens are for comes from the trusted `x-user` header (`passReqToCallback`); the tokens go to a Map.
 */
import { Controller, Get, Injectable, Module, Res, UseGuards } from '@nestjs/common';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import session from 'express-session';
import passport from 'passport';
import OAuth2Strategy from 'passport-oauth2';
import {
  AUTHORIZATION_ENDPOINT,
  CLIENT_ID,
  CLIENT_SECRET,
  REDIRECT_ORIGIN,
  SCOPE,
  TOKEN_ENDPOINT,
  USER_HEADER,
  type StoredTokens,
} from './common.js';
import { startNest } from './nest-app.js';

const tokens = new Map<string, StoredTokens>();

@Injectable()
class FakeOAuthStrategy extends PassportStrategy(OAuth2Strategy, 'fake') {
  constructor() {
    super({
      authorizationURL: AUTHORIZATION_ENDPOINT,
      tokenURL: TOKEN_ENDPOINT,
      clientID: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      callbackURL: `${REDIRECT_ORIGIN}/auth/fake/callback`,
      scope: SCOPE,
      state: true,
      pkce: true,
      passReqToCallback: true,
    });
  }

  validate(
    request: { headers: Record<string, string | string[] | undefined> },
    accessToken: string,
    refreshToken: string | undefined,
  ): { id: string } {
    const user = request.headers[USER_HEADER];
    if (typeof user !== 'string' || user === '') throw new Error('no user');
    tokens.set(user, { accessToken, refreshToken });
    return { id: user };
  }
}

@Controller('auth/fake')
class AuthController {
  /** The guard answers with the 302 to the provider. */
  @Get()
  @UseGuards(AuthGuard('fake'))
  login(): void {}

  @Get('callback')
  @UseGuards(AuthGuard('fake'))
  callback(
    @Res() response: { redirect(status: number, url: string): void; setHeader(name: string, value: string): void },
  ): void {
    response.setHeader('Cache-Control', 'no-store');
    response.redirect(302, '/');
  }
}

@Module({ imports: [PassportModule], controllers: [AuthController], providers: [FakeOAuthStrategy] })
class AppModule {}

await startNest(AppModule, { authorizePath: '/auth/fake', callbackPath: '/auth/fake/callback' }, 'express', (app) => {
  app.use(session({ secret: 'bench-session-secret', resave: false, saveUninitialized: false }));
  app.use(passport.initialize());
});
