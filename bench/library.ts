/**
 * The library's own work per flow, HTTP aside: `createAuthorizationUrl` then `handleCallback` on a
 * `FlowManager` whose token transport answers at once from memory, with the in-memory stores and a
 * browser binding, as the built-in routes call them. Prints microseconds of wall time per flow (one
 * process, one flow at a time, so it is CPU time too). `--flows=<n>` (default 200000).
 */
import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { AuthCodeFlowModule, FlowManagerRegistry, type TokenHttpTransport } from 'nestjs-auth-code-flow';

const flowsArg = process.argv.find((arg) => arg.startsWith('--flows='));
const flows = flowsArg ? Number(flowsArg.slice('--flows='.length)) : 200_000;
if (!Number.isInteger(flows) || flows <= 0) throw new Error('--flows must be a positive integer');

const body = JSON.stringify({
  access_token: 'a'.repeat(40),
  token_type: 'bearer',
  expires_in: 3600,
  refresh_token: 'r'.repeat(40),
  scope: 'read',
});
const transport: TokenHttpTransport = { post: async () => ({ status: 200, contentType: 'application/json', body }) };
const moduleRef = await Test.createTestingModule({
  imports: [
    AuthCodeFlowModule.forRoot({
      routes: false,
      tokenTransport: transport,
      providers: {
        bench: {
          baseUri: 'http://127.0.0.1:1',
          authorizationPath: '/authorize',
          accessTokenPath: '/token',
          clientId: 'bench-client',
          clientSecret: 'bench-secret',
          redirectUri: 'http://127.0.0.1/oauth/bench/callback',
          scope: 'read',
        },
      },
    }),
  ],
}).compile();
const manager = moduleRef.get(FlowManagerRegistry).get('bench');
const binding = 'b'.repeat(43);

async function flow(i: number): Promise<void> {
  const user = `user-${i % 1000}`;
  const { state } = await manager.createAuthorizationUrl(user, { browserBinding: binding });
  await manager.handleCallback(user, { code: `code-${i}`, state }, { browserBinding: binding });
}

for (let i = 0; i < 20_000; i++) await flow(i);
const started = process.hrtime.bigint();
for (let i = 0; i < flows; i++) await flow(i);
const microseconds = Number(process.hrtime.bigint() - started) / flows / 1000;
console.log(`library only: ${microseconds.toFixed(2)} µs per flow (${flows} flows, after 20000 to warm up)`);
await moduleRef.close();
