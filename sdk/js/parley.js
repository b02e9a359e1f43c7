// Parley's browser SDK: an ES module with no build step.
//
//   import { ChatClient, AccessManager, ParleyError } from '/sdk/parley.js';
//   const client = await ChatClient.create(token, { url: 'ws://127.0.0.1:8080/v1/ws' });
//   const am = new AccessManager(token, { tokenProvider: async () => fetchToken() });
//   am.attach(client);   // every renewed token reaches the client, with no disconnect
//
// docs/browser-sdk.md describes the API, the events, the codes and the token lifecycle rules.

export { ChatClient, CHAT_CLIENT_EVENTS, ConnectionState } from './chat_client.js';
export { AccessManager, ACCESS_MANAGER_EVENTS, TokenProviderError } from './access_manager.js';
export { ParleyError, ClientErrorCode, TokenErrorCode } from './errors.js';
export { DEFAULT_ABOUT_TO_EXPIRE_WINDOW } from './lifecycle.js';
export { inspectToken } from './token.js';
export { ManualScheduler, SystemScheduler } from './scheduler.js';

/** The SDK's version (package.json). */
export const VERSION = '0.1.0';
