import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, type INestApplication, Query, UseFilters } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  AuthCodeFlowExceptionFilter,
  AuthCodeFlowModule,
  FlowManager,
  InjectFlowManager,
  getFlowManagerToken,
} from '../../lib/index.js';
import { FakeProvider } from '../support/fake-provider.js';
import { PLATFORMS } from '../support/http-app.js';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { fakeClientOptions } from '../support/testing-module.js';

@Controller('connect')
@UseFilters(AuthCodeFlowExceptionFilter)
class ConnectController {
  constructor(@InjectFlowManager('fake') private readonly fake: FlowManager) {}

  @Get('callback')
  async callback(@Query('code') code: string, @Query('state') state: string) {
    await this.fake.fetchAccessToken('ada', code, state);
    return { connected: true };
  }
}

describe.each(PLATFORMS)("AuthCodeFlowExceptionFilter in an app's own controller on %s", (platform) => {
  let provider: FakeProvider;
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    provider = await FakeProvider.start();
    const moduleRef = await Test.createTestingModule({
      imports: [
        AuthCodeFlowModule.forRoot({
          providers: { fake: fakeClientOptions(provider) },
          routes: false,
          httpTimeoutMs: 300,
        }),
      ],
      controllers: [ConnectController],
    }).compile();
    app =
      platform === 'fastify'
        ? moduleRef.createNestApplication(new FastifyAdapter())
        : moduleRef.createNestApplication();
    app.useLogger(false);
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app.close();
    await provider.close();
  });

  it('answers an unknown state with 400 JSON instead of a 500', async () => {
    const response = await fetch(`${url}/connect/callback?code=c&state=unknown`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      statusCode: 400,
      error: 'invalid_state',
      message: 'The state is unknown, expired or already used.',
    });
  });

  it('answers a hanging token endpoint with 504', async () => {
    provider.on('POST', '/oauth/token', () => undefined);
    const manager = app.get<FlowManager>(getFlowManagerToken('fake'));
    const state = manager.makeState();
    await manager.storeUserState('ada', state);
    const response = await fetch(`${url}/connect/callback?code=c&state=${state}`);
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ statusCode: 504, error: 'token_endpoint_error' });
  });
});
