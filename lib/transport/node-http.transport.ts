import type { OnModuleDestroy } from '@nestjs/common';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type {
  TokenHttpGetRequest,
  TokenHttpRequest,
  TokenHttpResponse,
  TokenHttpTransport,
} from '../interfaces/token-http-transport.interface.js';
import { TokenHttpFailure } from './token-http-failure.js';

/** A configuration names a few endpoints; the cap only guards against a caller passing ever-new URLs. */
const MAX_CACHED_ENDPOINTS = 256;

interface Endpoint {
  https: boolean;
  hostname: string;
  port: string | undefined;
  path: string;
}

/**
 * The default transport: one POST over Node's `http`/`https`, on keep-alive agents of its own (so an app's
 * changes to Node's global agents do not reach token requests; the most recently used connection is reused
 * first, as with the global agents). It does per request only what a token request needs: no redirects,
 * streams, progress events or config merging, which is what a general-purpose client spends most of its
 * time on. Endpoints come from the validated configuration, so their parsed form is cached.
 *
 * It does not use a proxy: with one configured in the environment the module picks
 * `HttpServiceTokenTransport` instead.
 */
export class NodeHttpTokenTransport implements TokenHttpTransport, OnModuleDestroy {
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly httpAgent = new HttpAgent({ keepAlive: true, scheduling: 'lifo' });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true, scheduling: 'lifo' });

  post(request: TokenHttpRequest): Promise<TokenHttpResponse> {
    const headers = { ...request.headers, 'Content-Length': Buffer.byteLength(request.body) };
    return this.send('POST', request, headers, request.body);
  }

  /** A GET of public metadata, with the same bounds and no redirect followed. */
  get(request: TokenHttpGetRequest): Promise<TokenHttpResponse> {
    return this.send('GET', request, request.headers, undefined);
  }

  private send(
    method: 'GET' | 'POST',
    request: TokenHttpGetRequest,
    headers: Record<string, string | number>,
    body: string | undefined,
  ): Promise<TokenHttpResponse> {
    const endpoint = this.endpoint(request.url);
    return new Promise((resolve, reject) => {
      let settled = false;
      let response: { res: IncomingMessage; stream: Readable; onData: (chunk: Buffer) => void } | undefined;
      const fail = (kind: TokenHttpFailure['kind'], code: string | undefined, message: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (response) {
          // A decoder keeps inflating what it has buffered unless it is destroyed (a gzip bomb would go on
          // well past the cap); its error listener stays, so a late error is not an unhandled one.
          response.stream.off('data', response.onData);
          if (response.stream !== response.res) response.stream.destroy();
          response.res.destroy();
        }
        req.destroy();
        reject(new TokenHttpFailure(kind, code, message));
      };
      const onResponse = (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const stream = decoded(res);
        const onData = (chunk: Buffer) => {
          size += chunk.length;
          if (size > request.maxResponseBytes) {
            chunks.length = 0;
            return fail('response_too_large', undefined, `the response exceeds ${request.maxResponseBytes} bytes`);
          }
          chunks.push(chunk);
        };
        response = { res, stream, onData };
        stream.on('data', onData);
        stream.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const answer: TokenHttpResponse = {
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'] ?? '',
            body: chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'),
          };
          const retryAfter = res.headers['retry-after'];
          if (retryAfter !== undefined) answer.retryAfter = retryAfter;
          const cacheControl = res.headers['cache-control'];
          if (method === 'GET' && cacheControl !== undefined) answer.cacheControl = cacheControl;
          const { 'dpop-nonce': dpopNonce, 'www-authenticate': wwwAuthenticate } = res.headers;
          if (typeof dpopNonce === 'string') answer.dpopNonce = dpopNonce;
          if (wwwAuthenticate !== undefined) answer.wwwAuthenticate = wwwAuthenticate;
          resolve(answer);
        });
        // A connection cut mid-body errors the response (ECONNRESET); a bad compressed body errors the decoder.
        res.on('error', (error: NodeJS.ErrnoException) =>
          fail('network', error.code ?? 'ECONNRESET', 'the response was cut off'),
        );
        if (stream !== res)
          stream.on('error', (error: NodeJS.ErrnoException) =>
            fail('network', error.code, 'the response could not be decoded'),
          );
      };
      const req = endpoint.https
        ? httpsRequest(
            {
              hostname: endpoint.hostname,
              port: endpoint.port,
              path: endpoint.path,
              method,
              headers,
              agent: this.httpsAgent,
            },
            onResponse,
          )
        : httpRequest(
            {
              hostname: endpoint.hostname,
              port: endpoint.port,
              path: endpoint.path,
              method,
              headers,
              agent: this.httpAgent,
            },
            onResponse,
          );
      const timer = setTimeout(
        () => fail('timeout', undefined, `no complete response within ${request.timeoutMs} ms`),
        request.timeoutMs,
      );
      req.on('error', (error: NodeJS.ErrnoException) =>
        fail('network', error.code, `network error ${error.code ?? 'without a code'}`),
      );
      // A string body leaves Node free to send it in one write with the headers; a Buffer takes two.
      if (body === undefined) req.end();
      else req.end(body, 'utf8');
    });
  }

  /** Closes the keep-alive connections when the app shuts down. */
  onModuleDestroy(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private endpoint(url: string): Endpoint {
    let endpoint = this.endpoints.get(url);
    if (!endpoint) {
      const parsed = new URL(url);
      endpoint = {
        https: parsed.protocol === 'https:',
        // WHATWG keeps IPv6 literals bracketed; `http.request` wants them bare.
        hostname: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: parsed.port || undefined,
        path: `${parsed.pathname}${parsed.search}`,
      };
      if (this.endpoints.size < MAX_CACHED_ENDPOINTS) this.endpoints.set(url, endpoint);
    }
    return endpoint;
  }
}

function decoded(res: IncomingMessage): Readable {
  switch (res.headers['content-encoding']?.toLowerCase()) {
    case undefined:
    case 'identity':
      return res;
    case 'gzip':
    case 'x-gzip':
      return res.pipe(createGunzip());
    case 'deflate':
      return res.pipe(createInflate());
    case 'br':
      return res.pipe(createBrotliDecompress());
    default:
      return res;
  }
}
