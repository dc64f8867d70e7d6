import { type ArgumentsHost, Catch, HttpException } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Request, Response } from 'express';

/** The built-in routes' guard answers these with JSON; a person gets the page and a sentence instead. */
const PAGE_NOTICES: Readonly<Record<string, string>> = {
  unauthorized: 'sign_in_required', // no signed-in user: the page signs the browser in (a demo user)
  unknown_provider: 'unknown_provider',
};

/**
 * Sends the browser back to the page (`/?error=<code>`) when the authorize or callback route refuses it
 * before the flow starts: without a signed-in user (401) or for a provider that is not configured (404).
 * The routes' own failures already redirect there (`failureRedirect: '/'`); everything else is Nest's
 * usual answer.
 */
@Catch(HttpException)
export class OAuthRoutesFilter extends BaseExceptionFilter {
  override catch(exception: HttpException, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const body = exception.getResponse();
    const error = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
    const notice = typeof error === 'string' && Object.hasOwn(PAGE_NOTICES, error) ? PAGE_NOTICES[error] : undefined;
    if (!notice || !http.getRequest<Request>().path.startsWith('/oauth/')) return super.catch(exception, host);
    http.getResponse<Response>().redirect(303, `/?error=${notice}`);
  }
}
