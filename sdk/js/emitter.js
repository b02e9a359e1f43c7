// Event listeners, as functions (`on(name, fn)` returns an unsubscribe) or as a listener object
// with methods named `on` + the event (`onMessageAdded`, ...): both receive the same events
// (rule 7). A listener that throws does not stop the others; its error is reported on the console.

export class Emitter {
    /** @param {readonly string[]} names the events this emitter has */
    constructor(names) {
        this.names = new Set(names);
        /** @type {Map<string, Set<Function>>} */
        this.listeners = new Map();
        /** @type {Set<object>} */
        this.objects = new Set();
    }

    /** @returns {() => void} unsubscribe */
    on(name, fn) {
        if (!this.names.has(name)) throw new TypeError(`no event "${name}"; events: ${[...this.names].join(', ')}`);
        if (typeof fn !== 'function') throw new TypeError('a listener must be a function');
        if (!this.listeners.has(name)) this.listeners.set(name, new Set());
        const entry = (payload) => fn(payload); // its own identity: the same fn may be added twice
        this.listeners.get(name).add(entry);
        return () => { this.listeners.get(name)?.delete(entry); };
    }

    /** Calls `fn` once, at the next `name`. @returns {() => void} unsubscribe */
    once(name, fn) {
        const off = this.on(name, (payload) => { off(); fn(payload); });
        return off;
    }

    /** @returns {() => void} unsubscribe */
    addListener(listener) {
        this.objects.add(listener);
        return () => { this.objects.delete(listener); };
    }

    emit(name, payload) {
        for (const fn of [...(this.listeners.get(name) ?? [])]) guard(() => fn(payload));
        const method = 'on' + name[0].toUpperCase() + name.slice(1);
        for (const listener of [...this.objects]) {
            if (typeof listener[method] === 'function') guard(() => listener[method](payload));
        }
    }

    clear() {
        this.listeners.clear();
        this.objects.clear();
    }
}

function guard(fn) {
    try {
        fn();
    } catch (error) {
        console.error('parley: a listener threw', error);
    }
}
