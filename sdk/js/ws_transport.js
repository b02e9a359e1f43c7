// Connections over a WebSocket implementation: the browser's, or one passed in (`ws` in Node).
// Each connection tells the client core `opened`, each text `frame`, and `ended` exactly once
// (with the close code; 1006 when the socket failed without a close frame).

/** A connection that has not opened within this long is dropped and retried (ms). */
export const CONNECT_TIMEOUT_MS = 10_000;

const ABNORMAL_CLOSE = 1006;

export class WebSocketTransport {
    /**
     * @param {any} WebSocketImpl a WebSocket constructor
     * @param {{scheduleAt: Function, cancel: Function, now: () => number}} scheduler
     */
    constructor(WebSocketImpl, scheduler) {
        if (typeof WebSocketImpl !== 'function') {
            throw new TypeError('no WebSocket: pass options.WebSocket (in Node, the `ws` package)');
        }
        this.WebSocket = WebSocketImpl;
        this.scheduler = scheduler;
    }

    open(url, handlers) {
        let ended = false;
        let socket;
        const end = (code, reason) => {
            if (ended) return;
            ended = true;
            this.scheduler.cancel(timeout);
            if (socket) socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
            handlers.ended(code, reason);
        };
        const timeout = this.scheduler.scheduleAt(this.scheduler.now() + CONNECT_TIMEOUT_MS, () => {
            try { socket?.close(); } catch { /* already closing */ }
            end(ABNORMAL_CLOSE, 'connect timeout');
        });
        try {
            socket = new this.WebSocket(url);
        } catch (error) {
            // A malformed URL throws; told as a failed connection on the next task.
            Promise.resolve().then(() => end(ABNORMAL_CLOSE, String(error?.message ?? error)));
            return { send() {}, close() {}, abort() {} };
        }
        const decoder = new TextDecoder();
        socket.onopen = () => {
            this.scheduler.cancel(timeout);
            handlers.opened();
        };
        socket.onmessage = (event) => {
            const data = event.data;
            if (typeof data === 'string') handlers.frame(data);
            else if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) handlers.frame(decoder.decode(data));
        };
        socket.onerror = () => {}; // a close event follows
        socket.onclose = (event) => end(event.code || ABNORMAL_CLOSE, event.reason || '');
        return {
            send: (text) => socket.send(text),
            close: () => {
                try { socket.close(1000, 'client shut down'); } catch { end(ABNORMAL_CLOSE, 'closed'); }
            },
            abort: () => {
                try { socket.close(); } catch { /* never opened */ }
                end(ABNORMAL_CLOSE, 'aborted');
            },
        };
    }
}
