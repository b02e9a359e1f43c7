// Shared by the SDK's unit tests: unsigned test tokens (the client never verifies signatures), a
// fake in-memory transport that plays the server's side frame by frame, and event recording.
import { ManualScheduler } from '../scheduler.js';

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token for `identity` expiring at `exp` (unix s); not signed (the client cannot check it). */
export function token(identity, exp, extra = {}) {
    const header = { alg: 'HS256', typ: 'JWT', cty: 'twilio-fpa;v=1' };
    const payload = { jti: `SK-${identity}-${exp}-${Math.random()}`, iss: 'SK', sub: 'AC', iat: exp - 3600, exp,
        grants: { identity, chat: {} }, ...extra };
    return `${b64(header)}.${b64(payload)}.c2ln`;
}

/** An in-memory transport: the test opens, answers and ends connections by hand. */
export class FakeTransport {
    constructor() {
        this.connections = [];
    }

    open(url, handlers) {
        const connection = {
            url, handlers, sent: [], open: false, closed: false,
            send(text) { this.sent.push(JSON.parse(text)); },
            close() {
                this.closed = true;
                queueMicrotask(() => {
                    if (!this.ended) { this.ended = true; handlers.ended(1000, 'closed'); }
                });
            },
            abort() { this.closed = true; handlers.ended(1006, 'aborted'); },
        };
        this.connections.push(connection);
        return connection;
    }

    get last() { return this.connections[this.connections.length - 1]; }

    /** Sockets opened and not ended. */
    get live() { return this.connections.filter((c) => !c.ended); }
}

/** Server helpers on one fake connection. */
export function opened(connection) {
    connection.open = true;
    connection.handlers.opened();
    return connection;
}

export function replyOk(connection, request, body = {}) {
    connection.handlers.frame(JSON.stringify({ reply_to: request.id, ok: true, ...body }));
}

export function replyError(connection, request, code, message = 'refused') {
    connection.handlers.frame(JSON.stringify({ reply_to: request.id, ok: false, error: { code, message } }));
}

export function serverEvent(connection, body) {
    connection.handlers.frame(JSON.stringify(body));
}

export function end(connection, code = 1006, reason = '') {
    connection.ended = true;
    connection.handlers.ended(code, reason);
}

/** The last request of `op` sent on `connection`. */
export function lastSent(connection, op) {
    return [...connection.sent].reverse().find((frame) => frame.op === op);
}

/** Records every event of an emitter-like `on`. */
export function record(target, names) {
    const log = [];
    for (const name of names) target.on(name, (payload) => log.push({ name, payload }));
    log.names = () => log.map((entry) => entry.name);
    log.of = (name) => log.filter((entry) => entry.name === name).map((entry) => entry.payload);
    return log;
}

export function manual(startMs = 1_800_000_000_000) {
    return new ManualScheduler(startMs);
}
