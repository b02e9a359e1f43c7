// Where the page's tokens come from: the operator's backend (--web-token-url) or, in the
// development setup, POST /v1/dev/token. Both take {"identity"} and answer {"token"}.

import { TokenProviderError } from '/sdk/parley.js';

/** What the server tells the page: {tokenUrl, development, aboutToExpireWindow}. */
export async function loadConfig() {
  const response = await fetch('/web/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  return response.json();
}

/** A fresh token for `identity` from `url`. Cookies go along, so an operator's backend can
 * check its own session (same origin, or CORS with credentials). */
export async function fetchToken(url, identity) {
  let response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      credentials: 'include',
      cache: 'no-store',
      body: JSON.stringify({ identity }),
    });
  } catch (error) {
    // Network trouble is transient: the AccessManager retries with backoff.
    throw new TokenProviderError(`token endpoint unreachable: ${error.message}`);
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok || typeof body.token !== 'string') {
    const status = response.status;
    // The backend said no (4xx but 408 and 429): asking again will not help, so renewal stops.
    // A 5xx or a timeout is transient.
    const terminal = status >= 400 && status < 500 && status !== 408 && status !== 429;
    throw new TokenProviderError(body.message || `token endpoint answered HTTP ${status}`,
      { terminal });
  }
  return body.token;
}
