import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AuthCodeFlowError } from '../auth-code-flow.errors.js';
import { toFlowErrorBody } from './error-response.js';

/**
 * Answers this package's errors thrown from an app's own controllers the way the built-in routes do:
 * `{ statusCode, error, message }` with 400/403 for a bad callback or state, 502/504 for the token endpoint,
 * 503 for an unavailable store; never a 500, never a secret. Use it with `@UseFilters(AuthCodeFlowExceptionFilter)`
 * or `app.useGlobalFilters(new AuthCodeFlowExceptionFilter(app.get(HttpAdapterHost)))`.
 */
@Catch(AuthCodeFlowError)
export class AuthCodeFlowExceptionFilter implements ExceptionFilter<AuthCodeFlowError> {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: AuthCodeFlowError, host: ArgumentsHost): void {
    const body = toFlowErrorBody(error);
    this.adapterHost.httpAdapter.reply(host.switchToHttp().getResponse(), body, body.statusCode);
  }
}
