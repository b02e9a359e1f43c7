// Types of Parley's browser SDK (parley.js), kept by hand; `tsc --noEmit` checks them against a
// use of every contract name (test/types_check.ts), and test/types.test.mjs checks that every
// runtime export is declared here.

/** Unix seconds. */
export type UnixSeconds = number;
/** Unix milliseconds. */
export type UnixMillis = number;

export type ConnectionStateName = 'connecting' | 'connected' | 'reconnecting' | 'waiting_for_token' | 'shut_down';

export declare const ConnectionState: Readonly<{
    CONNECTING: 'connecting';
    CONNECTED: 'connected';
    RECONNECTING: 'reconnecting';
    WAITING_FOR_TOKEN: 'waiting_for_token';
    SHUT_DOWN: 'shut_down';
}>;

/** An error with the contract's code: 201xx token, 50xxx server reply, 51xxx client-side. */
export declare class ParleyError extends Error {
    constructor(code: number, message?: string);
    readonly name: 'ParleyError';
    readonly code: number;
    /** Whether the code is a token code (201xx). */
    readonly isTokenError: boolean;
    static client(code: number, message?: string): ParleyError;
}

export declare const ClientErrorCode: Readonly<{
    CONNECTION_LOST: 51000;
    SHUT_DOWN: 51001;
    QUEUE_FULL: 51002;
    BAD_REPLY: 51004;
    PROVIDER_FAILED: 51005;
}>;

export declare const TokenErrorCode: Readonly<{
    INVALID_TOKEN: 20101;
    EXPIRED: 20104;
    INVALID_GRANTS: 20106;
    /** The service revoked the token (close 4403 or 20120 at init): get a new one. */
    REVOKED: 20120;
    LIFETIME_TOO_LONG: 20157;
}>;

export declare const DEFAULT_ABOUT_TO_EXPIRE_WINDOW: 180;
export declare const VERSION: string;

export interface TokenInfo {
    identity: string;
    expiresAt: UnixSeconds;
}

/**
 * The identity and `exp` of a token, read without verifying it (the server verifies): for display.
 * Throws a ParleyError: 20101 (not a token), 20104 (no integer `exp`), 20106 (no identity).
 */
export declare function inspectToken(jwt: string): TokenInfo;

export interface ConnectedInfo extends TokenInfo {
    /** True after a reconnect (not the first connection). */
    reconnected: boolean;
}

export interface Message {
    sid: string;
    /** Per channel, from 0, never repeated. */
    index: number;
    /** The channel's SID (the same as channelSid). */
    channel: string;
    channelSid: string;
    author: string;
    body: string;
    attributes: Record<string, unknown>;
    dateCreated: UnixMillis;
}

export interface Channel {
    sid: string;
    uniqueName: string;
    friendlyName: string;
    type: 'public' | 'private';
    isPrivate: boolean;
    attributes: Record<string, unknown>;
    createdBy: string;
    dateCreated: UnixMillis | null;
}

export interface Member {
    identity: string;
    joinedAt: UnixMillis;
}

export interface MemberEvent {
    /** The channel's SID. */
    channel: string;
    identity: string;
}

export interface Disconnect {
    /** The WebSocket close code (1006 when the socket failed without one). */
    code: number;
    reason: string;
    willReconnect: boolean;
}

export interface ChatClientEvents {
    connected: ConnectedInfo;
    connectionStateChanged: ConnectionStateName;
    tokenAboutToExpire: TokenInfo;
    tokenExpired: TokenInfo;
    tokenUpdated: TokenInfo;
    tokenError: ParleyError;
    messageAdded: Message;
    memberJoined: MemberEvent;
    memberLeft: MemberEvent;
    disconnected: Disconnect;
}

export declare const CHAT_CLIENT_EVENTS: readonly (keyof ChatClientEvents)[];

/** A listener object: any of these methods is called for its event. */
export type ChatClientListener = {
    [K in keyof ChatClientEvents as `on${Capitalize<K>}`]?: (payload: ChatClientEvents[K]) => void;
};

export interface BackoffPolicy {
    /** Ceiling of the first delay, ms. */
    initial?: number;
    /** Ceiling of every delay, ms. */
    max?: number;
    multiplier?: number;
}

/** What ChatClient and AccessManager read the time and arm timers with. */
export interface Scheduler {
    now(): UnixMillis;
    scheduleAt(at: UnixMillis, fn: () => void): number;
    cancel(id: number): void;
    post(fn: () => void): void;
    armedTimers(): number;
    dispose(): void;
}

export interface ChatClientOptions {
    /** `ws[s]://host:port/v1/ws`; by default the page's own host. */
    url?: string;
    /** W, seconds (default 180). */
    aboutToExpireWindow?: number;
    /** A WebSocket constructor (Node: the `ws` package); globalThis.WebSocket by default. */
    WebSocket?: unknown;
    /** Reconnect delays (capped exponential, full jitter). Default 250 ms to 30 s. */
    reconnect?: BackoffPolicy;
    /** Requests waiting to be sent beyond this many fail with 51002 (default 1024). */
    maxQueuedRequests?: number;
    /** For tests: a ManualScheduler. */
    scheduler?: Scheduler;
    /** For tests: uniform in [0, 1); Math.random by default. */
    random?: () => number;
    /** For tests: an in-memory transport. */
    transport?: unknown;
}

export interface ChatClientStats {
    state: ConnectionStateName;
    openSockets: number;
    armedTimers: number;
    connectAttempts: number;
    queuedRequests: number;
}

export interface CreateChannelOptions {
    isPrivate?: boolean;
    friendlyName?: string;
    attributes?: Record<string, unknown>;
}

export interface HistoryQuery {
    before?: number;
    after?: number;
    /** 1 to 500, default 50. */
    limit?: number;
}

export declare class ChatClient {
    constructor(token: string, options?: ChatClientOptions);
    /** Resolves when connected; rejects with a ParleyError when the token is refused at start. */
    static create(token: string, options?: ChatClientOptions): Promise<ChatClient>;
    readonly state: ConnectionStateName;
    readonly identity: string;
    on<K extends keyof ChatClientEvents>(name: K, fn: (payload: ChatClientEvents[K]) => void): () => void;
    addListener(listener: ChatClientListener): () => void;
    stats(): ChatClientStats;
    updateToken(token: string): Promise<TokenInfo>;
    acceptToken(token: string): Promise<TokenInfo>;
    /**
     * For an AccessManager: `renew(revokedToken)` runs when the service revokes this client's
     * token, so a new one is fetched at once. null forgets it.
     */
    setRenewRequest(renew: ((revokedToken: string) => void) | null): void;
    createChannel(uniqueName: string, options?: CreateChannelOptions): Promise<Channel>;
    listChannels(): Promise<Channel[]>;
    join(channel: string): Promise<Channel>;
    leave(channel: string): Promise<Channel>;
    members(channel: string): Promise<Member[]>;
    addMember(channel: string, identity: string): Promise<Channel>;
    sendMessage(channel: string, body: string, attributes?: Record<string, unknown>): Promise<Message>;
    getMessages(channel: string, query?: HistoryQuery): Promise<Message[]>;
    ping(): Promise<UnixMillis>;
    shutdown(): Promise<void>;
}

export interface AccessManagerEvents {
    tokenWillExpire: TokenInfo;
    tokenExpired: TokenInfo;
    tokenUpdated: TokenInfo;
    error: ParleyError;
}

export declare const ACCESS_MANAGER_EVENTS: readonly (keyof AccessManagerEvents)[];

export type AccessManagerListener = {
    [K in keyof AccessManagerEvents as `on${Capitalize<K>}`]?: (payload: AccessManagerEvents[K]) => void;
};

/** Anything that takes renewed tokens: a ChatClient, or another SDK client. */
export interface TokenConsumer {
    updateToken(token: string): Promise<unknown>;
    /** Optional: a consumer that learns its token was revoked calls `renew` with it. */
    setRenewRequest?(renew: ((revokedToken: string) => void) | null): void;
}

export interface AccessManagerOptions {
    /**
     * Fetches a new token. Throwing (or rejecting) is a transient failure, retried with capped
     * backoff and full jitter; an error with `terminal: true` (TokenProviderError) stops renewal.
     */
    tokenProvider?: () => Promise<string> | string;
    /** W, seconds (default 180). */
    aboutToExpireWindow?: number;
    /** Retry delays after a transient failure. Default 1 s to 60 s. */
    retry?: BackoffPolicy;
    /** Renewal starts in the first this much (0 to 0.5) of what is left of the window. Default 0.25. */
    renewalSpread?: number;
    /** A provider call that has not settled after this many ms is a transient failure (30 s). */
    providerTimeout?: number;
    scheduler?: Scheduler;
    random?: () => number;
}

export declare class TokenProviderError extends Error {
    constructor(message: string, options?: { terminal?: boolean });
    readonly terminal: boolean;
}

export declare class AccessManager {
    constructor(token: string, options?: AccessManagerOptions);
    readonly token: string | null;
    /** Provider calls made so far. */
    readonly providerCalls: number;
    on<K extends keyof AccessManagerEvents>(name: K, fn: (payload: AccessManagerEvents[K]) => void): () => void;
    addListener(listener: AccessManagerListener): () => void;
    /** Pushes every accepted token to `client`; returns a detach function. */
    attach(client: TokenConsumer): () => void;
    detach(client: TokenConsumer): void;
    updateToken(token: string): Promise<TokenInfo>;
    shutdown(): void;
}

/** Timers on a clock moved by hand (tests). */
export declare class ManualScheduler implements Scheduler {
    constructor(start?: UnixMillis);
    now(): UnixMillis;
    scheduleAt(at: UnixMillis, fn: () => void): number;
    cancel(id: number): void;
    post(fn: () => void): void;
    armedTimers(): number;
    dispose(): void;
    runPosted(): void;
    runDue(): void;
    advanceTo(time: UnixMillis): void;
    advance(ms: number): void;
    /** The clock jumps without any timer noticing (a sleep). */
    jump(ms: number): void;
}

/** Timers on the real clock that notice a sleep or a clock jump. */
export declare class SystemScheduler implements Scheduler {
    constructor(options?: {
        now?: () => UnixMillis;
        setTimeout?: (fn: () => void, ms: number) => unknown;
        clearTimeout?: (handle: unknown) => void;
        recheckMs?: number;
        document?: unknown;
        macrotask?: (fn: () => void) => void;
    });
    now(): UnixMillis;
    scheduleAt(at: UnixMillis, fn: () => void): number;
    cancel(id: number): void;
    post(fn: () => void): void;
    armedTimers(): number;
    dispose(): void;
    /** Fires whatever is due by the clock now. */
    recheck(): void;
}
