/**
 * Follows an authorization URL as a browser would after the user consents: one request, no redirect
 * followed, and the query of the 302's Location (the callback the browser would be sent to).
 */
export async function followAuthorization(authorizationUrl: string): Promise<URLSearchParams> {
  const response = await fetch(authorizationUrl, { redirect: 'manual' });
  const location = response.headers.get('location');
  if (response.status !== 302 || !location)
    throw new Error(`authorize answered ${response.status}: ${await response.text()}`);
  return new URL(location).searchParams;
}
