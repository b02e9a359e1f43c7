// The small token indicator in the header: "expires in 2:41", "renewing…", "session expired —
// sign in again". Its data-state (ok, expiring, renewing, failed, expired) is what tests read.

/** Seconds as m:ss, or h:mm:ss from an hour up. */
export function formatRemaining(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const two = (n) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
}

export class TokenStatus {
  /** @param {HTMLElement} element the visible indicator (it ticks, so it is not a live region)
   * @param {HTMLElement} announcer a live region told each change of state, once */
  constructor(element, announcer) {
    this.element = element;
    this.announcer = announcer;
    this.state = 'none';
    this.expiresAt = NaN;
    this.timer = null;
  }

  /** A token in force that is not yet about to expire. */
  ok(expiresAt) {
    this.expiresAt = expiresAt;
    this.show('ok', () => {
      const until = new Date(this.expiresAt * 1000);
      return `session ok · token until ${until.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`;
    });
  }

  /** About to expire: a countdown, while the AccessManager renews in the background. */
  expiring(expiresAt = this.expiresAt) {
    this.expiresAt = expiresAt;
    this.show('expiring', () => `expires in ${this.remaining()}`, true);
  }

  renewing() {
    this.show('renewing', () => 'renewing…');
  }

  /** Renewal refused: the token runs out at its exp. */
  failed(reason) {
    this.show('failed', () => `renewal failed (${reason}) · expires in ${this.remaining()}`, true);
  }

  expired() {
    this.show('expired', () => 'session expired — sign in again');
  }

  clear() {
    this.stopTicking();
    this.state = 'none';
    this.element.hidden = true;
    this.element.textContent = '';
    this.announcer.textContent = '';
    delete this.element.dataset.state;
  }

  remaining() {
    return formatRemaining(this.expiresAt - Date.now() / 1000);
  }

  show(state, text, ticking = false) {
    this.stopTicking();
    this.state = state;
    this.element.dataset.state = state;
    this.element.hidden = false;
    this.element.textContent = text();
    this.announcer.textContent = this.element.textContent;
    if (ticking) this.timer = setInterval(() => { this.element.textContent = text(); }, 1000);
  }

  stopTicking() {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
