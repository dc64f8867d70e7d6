import axios, { AxiosError, AxiosHeaders, type AxiosAdapter, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy'];

/**
 * The axios adapter of token, refresh and revocation requests: a single POST over Node's `http`/`https`
 * with the global keep-alive agents, that never follows a redirect, stops reading past
 * `maxContentLength`, bounds the whole exchange (connect, headers, body) by `timeout`, honours `signal`,
 * and returns the body as text. It leaves out what axios's general-purpose adapter does per request and these requests
 * do not need (redirect handling, streams and progress, data: URLs), which is most of its cost.
 *
 * With an HTTP(S) proxy configured in the environment, axios's own adapter is used, which supports it.
 */
export function tokenHttpAdapter(env: NodeJS.ProcessEnv = process.env): AxiosAdapter | undefined {
  if (PROXY_VARIABLES.some((name) => env[name])) return undefined;
  return postOverNodeHttp;
}

function postOverNodeHttp(config: InternalAxiosRequestConfig): Promise<AxiosResponse<string>> {
  return new Promise((resolve, reject) => {
    const url = new URL(config.url!);
    const body = typeof config.data === 'string' ? Buffer.from(config.data) : undefined;
    const headers = AxiosHeaders.from(config.headers).toJSON() as Record<string, string>;
    if (body) headers['Content-Length'] = String(body.length);
    headers['Accept-Encoding'] = 'gzip, deflate, br';
    const limit = config.maxContentLength ?? -1;
    const signal = config.signal as AbortSignal | undefined;
    let settled = false;
    const fail = (error: AxiosError) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      req.destroy();
      reject(error);
    };
    const onAbort = () => fail(new axios.CanceledError(undefined, undefined, config) as AxiosError);

    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method: config.method?.toUpperCase() ?? 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const stream = decoded(res);
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (limit > -1 && size > limit) {
          fail(new AxiosError(`maxContentLength size of ${limit} exceeded`, AxiosError.ERR_BAD_RESPONSE, config));
          return;
        }
        chunks.push(chunk);
      });
      stream.on('error', (error: NodeJS.ErrnoException) => fail(AxiosError.from(error, error.code ?? AxiosError.ERR_BAD_RESPONSE, config)));
      stream.on('end', () => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        resolve({
          data: Buffer.concat(chunks).toString('utf8'),
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? '',
          headers: new AxiosHeaders(res.headers as Record<string, string>),
          config,
          request: req,
        });
      });
      res.on('aborted', () => fail(new AxiosError('the response was cut off', 'ECONNRESET', config)));
    });
    req.on('error', (error: NodeJS.ErrnoException) => fail(AxiosError.from(error, error.code, config)));
    if (config.timeout) {
      const timer = setTimeout(() => fail(new AxiosError(`timeout of ${config.timeout}ms exceeded`, AxiosError.ECONNABORTED, config)), config.timeout);
      timer.unref();
      req.once('close', () => clearTimeout(timer));
    }
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    req.end(body);
  });
}

function decoded(res: IncomingMessage): NodeJS.ReadableStream {
  switch (String(res.headers['content-encoding'] ?? '').toLowerCase()) {
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
