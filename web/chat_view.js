// The signed-in part of the page: the channel lists, one open conversation with its history
// (older pages load as you scroll up), and its members. Everything goes through one ChatClient.

const PAGE = 30;
const $ = (id) => document.getElementById(id);

// The SDK's objects (docs/browser-sdk.md): camelCase fields, lists as arrays.
const sidOf = (channel) => channel.sid;
const nameOf = (channel) => channel.friendlyName || channel.uniqueName || channel.sid;
const isPrivate = (channel) => channel.isPrivate;
const whenOf = (message) => new Date(message.dateCreated);

function errorText(error) {
  return error?.code ? `${error.message} (${error.code})` : String(error?.message ?? error);
}

export class ChatView {
  constructor(client, identity) {
    this.client = client;
    this.identity = identity;
    this.channels = new Map(); // sid -> channel
    this.joined = new Set(); // sids of channels I am a member of
    this.unread = new Map(); // sid -> count
    this.open = null; // {sid, oldest, newest, loading, members}
    this.offs = [];
    this.bindForms();
    this.offs.push(
      client.on('messageAdded', (message) => this.onMessage(message)),
      client.on('memberJoined', (event) => this.onMember(event)),
      client.on('memberLeft', (event) => this.onMember(event)),
    );
  }

  dispose() {
    for (const off of this.offs) off();
    this.offs = [];
    for (const [element, type, handler] of this.listeners) element.removeEventListener(type, handler);
    this.listeners = [];
  }

  bindForms() {
    this.listeners = [];
    const on = (element, type, handler) => {
      element.addEventListener(type, handler);
      this.listeners.push([element, type, handler]);
    };
    on($('create-form'), 'submit', (event) => { event.preventDefault(); this.create(); });
    on($('send-form'), 'submit', (event) => { event.preventDefault(); this.send(); });
    on($('add-member-form'), 'submit', (event) => { event.preventDefault(); this.addMember(); });
    on($('join'), 'click', () => this.join());
    on($('refresh-channels'), 'click', () => this.refresh().catch(() => {}));
    on($('older'), 'click', () => this.loadOlder());
    on($('messages'), 'scroll', () => { if ($('messages').scrollTop < 48) this.loadOlder(); });
    on($('back'), 'click', () => document.body.classList.remove('conversation-open'));
    on($('members-toggle'), 'click', () => this.toggleMembers());
  }

  /** Reads the channels I can see, and which of them I am in. */
  async refresh() {
    const channels = await this.client.listChannels();
    this.channels = new Map(channels.map((channel) => [sidOf(channel), channel]));
    const memberships = await Promise.all(channels.map(async (channel) => {
      const members = await this.client.members(sidOf(channel)).catch(() => []);
      return members.some((member) => member.identity === this.identity);
    }));
    this.joined = new Set(channels.filter((_, i) => memberships[i]).map(sidOf));
    this.renderChannels();
    if (this.open && this.channels.has(this.open.sid)) await this.catchUp();
  }

  renderChannels() {
    const mine = $('my-channels');
    const others = $('public-channels');
    mine.replaceChildren();
    others.replaceChildren();
    const sorted = [...this.channels.values()].sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
    for (const channel of sorted) {
      const sid = sidOf(channel);
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'channel';
      button.dataset.sid = sid;
      const name = document.createElement('span');
      name.append(channelLabel(channel));
      button.append(name);
      if (this.open?.sid === sid) button.setAttribute('aria-current', 'true');
      const unread = this.unread.get(sid) ?? 0;
      if (unread > 0) {
        const badge = document.createElement('span');
        badge.className = 'badge';
        badge.textContent = String(unread);
        badge.setAttribute('aria-label', `${unread} unread`);
        button.append(badge);
      }
      button.addEventListener('click', () => this.openChannel(sid));
      item.append(button);
      (this.joined.has(sid) ? mine : others).append(item);
    }
    if (!mine.children.length) mine.append(emptyItem('No channels yet: create or join one.'));
    if (!others.children.length) others.append(emptyItem('No other public channels.'));
  }

  async create() {
    const name = $('new-channel').value.trim();
    $('create-error').textContent = '';
    if (!name) return;
    try {
      const channel = await this.client.createChannel(name,
        { isPrivate: $('new-private').checked, friendlyName: name });
      const sid = sidOf(channel);
      await this.client.join(sid).catch(() => {}); // the creator may be a member already
      $('new-channel').value = '';
      $('new-private').checked = false;
      await this.refresh();
      await this.openChannel(sid);
    } catch (error) {
      $('create-error').textContent = `Could not create the channel: ${errorText(error)}`;
    }
  }

  async openChannel(sid) {
    const channel = this.channels.get(sid);
    if (!channel) return;
    this.open = { sid, oldest: null, newest: null, loading: false, members: [] };
    this.unread.delete(sid);
    document.body.classList.add('conversation-open');
    $('channel-title').replaceChildren(channelLabel(channel));
    $('message-list').replaceChildren();
    $('channel-error').textContent = '';
    $('older').hidden = true;
    this.renderChannels();
    const member = this.joined.has(sid);
    $('join-row').hidden = member;
    $('send-form').hidden = !member;
    $('members-toggle').hidden = !member;
    if (!member) {
      $('members-pane').hidden = true;
      return;
    }
    const open = this.open;
    try {
      await this.loadLatest();
      await this.loadMembers();
    } catch (error) {
      // Only for the channel still open: a later one shows its own.
      if (this.open !== open) return;
      $('channel-error').textContent = `Could not load the channel: ${errorText(error)}`;
      return;
    }
    if (this.open === open) $('message-body').focus();
  }

  async join() {
    const sid = this.open?.sid;
    if (!sid) return;
    try {
      await this.client.join(sid);
      this.joined.add(sid);
      await this.openChannel(sid);
    } catch (error) {
      $('channel-error').textContent = `Could not join: ${errorText(error)}`;
    }
  }

  async loadLatest() {
    const open = this.open;
    const messages = await this.client.getMessages(open.sid, { limit: PAGE });
    if (this.open !== open) return;
    for (const message of messages) this.appendMessage(message);
    open.oldest = messages.length ? messages[0].index : null;
    $('older').hidden = !(open.oldest > 0);
    scrollToEnd();
  }

  /** After a reconnect: whatever the open channel got while we were away, in order. */
  async catchUp() {
    const open = this.open;
    if (open.newest === null) return;
    const messages = await this.client.getMessages(open.sid,
      { after: open.newest, limit: 500 }).catch(() => []);
    if (this.open === open) for (const message of messages) this.appendMessage(message);
  }

  /** One page before the oldest message shown, keeping the view where it was. */
  async loadOlder() {
    const open = this.open;
    if (!open || open.loading || !(open.oldest > 0)) return;
    open.loading = true;
    const box = $('messages');
    try {
      const messages = await this.client.getMessages(open.sid,
        { before: open.oldest, limit: PAGE });
      if (this.open !== open) return;
      const height = box.scrollHeight;
      const list = $('message-list');
      const first = list.firstChild;
      for (const message of messages) list.insertBefore(this.messageItem(message), first);
      if (messages.length) open.oldest = messages[0].index;
      box.scrollTop += box.scrollHeight - height;
      $('older').hidden = !(open.oldest > 0) || messages.length === 0;
    } catch (error) {
      $('channel-error').textContent = `Could not load older messages: ${errorText(error)}`;
    } finally {
      open.loading = false;
    }
  }

  async send() {
    const input = $('message-body');
    const body = input.value.trim();
    if (!body || !this.open) return;
    $('channel-error').textContent = '';
    try {
      const message = await this.client.sendMessage(this.open.sid, body);
      if (input.value.trim() === body) input.value = ''; // unless something else was typed since
      // The reply may come after another channel was opened: it belongs to its own channel only.
      if (message.channel === this.open?.sid) this.appendMessage(message);
    } catch (error) {
      $('channel-error').textContent = `Not sent: ${errorText(error)}`;
    }
  }

  onMessage(message) {
    const sid = message.channel;
    if (this.open?.sid === sid) {
      this.appendMessage(message);
      return;
    }
    this.unread.set(sid, (this.unread.get(sid) ?? 0) + 1);
    this.renderChannels();
  }

  /** Appends a message once, in index order (replies and events can both bring it). */
  appendMessage(message) {
    const open = this.open;
    if (open.newest !== null && message.index <= open.newest) {
      if (document.querySelector(`#message-list [data-index="${message.index}"]`)) return;
    }
    const near = isNearEnd();
    $('message-list').append(this.messageItem(message));
    if (open.newest === null || message.index > open.newest) open.newest = message.index;
    if (open.oldest === null) open.oldest = message.index;
    if (near || message.author === this.identity) scrollToEnd();
  }

  messageItem(message) {
    const item = document.createElement('li');
    item.className = message.author === this.identity ? 'message mine' : 'message';
    item.dataset.index = String(message.index);
    const meta = document.createElement('div');
    meta.className = 'meta';
    const author = document.createElement('span');
    author.className = 'author';
    author.textContent = message.author;
    const time = document.createElement('time');
    const when = whenOf(message);
    time.dateTime = when.toISOString();
    time.textContent = when.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    meta.append(author, ' ', time);
    const body = document.createElement('p');
    body.className = 'body';
    body.textContent = message.body;
    item.append(meta, body);
    return item;
  }

  async loadMembers() {
    const open = this.open;
    const members = await this.client.members(open.sid);
    if (this.open !== open) return;
    open.members = members.map((member) => member.identity).sort();
    const list = $('member-list');
    list.replaceChildren(...open.members.map((identity) => {
      const item = document.createElement('li');
      item.textContent = identity === this.identity ? `${identity} (you)` : identity;
      return item;
    }));
    $('members-toggle').textContent = `Members (${open.members.length})`;
  }

  toggleMembers() {
    const pane = $('members-pane');
    pane.hidden = !pane.hidden;
    $('members-toggle').setAttribute('aria-expanded', String(!pane.hidden));
    if (!pane.hidden) $('add-member').focus();
  }

  async addMember() {
    const input = $('add-member');
    const identity = input.value.trim();
    $('member-error').textContent = '';
    if (!identity || !this.open) return;
    try {
      await this.client.addMember(this.open.sid, identity);
      input.value = '';
    } catch (error) {
      $('member-error').textContent = `Could not add ${identity}: ${errorText(error)}`;
      return;
    }
    await this.reloadMembers();
  }

  /** The open channel's members again (someone joined or left); a failure is shown. */
  async reloadMembers() {
    const open = this.open;
    try {
      await this.loadMembers();
    } catch (error) {
      if (this.open !== open) return;
      $('member-error').textContent = `Could not list the members: ${errorText(error)}`;
    }
  }

  onMember(event) {
    const sid = event.channel;
    if (event.identity === this.identity) {
      // Added to a channel by someone else (or left it elsewhere): the lists change.
      this.refresh().catch(() => {});
      return;
    }
    if (this.open?.sid === sid) this.reloadMembers();
  }
}

// "# name", or "name" with a "private" tag.
function channelLabel(channel) {
  const label = document.createDocumentFragment();
  label.append(isPrivate(channel) ? nameOf(channel) : `# ${nameOf(channel)}`);
  if (isPrivate(channel)) {
    const tag = document.createElement('span');
    tag.className = 'tag';
    tag.textContent = 'private';
    label.append(tag);
  }
  return label;
}

function emptyItem(text) {
  const item = document.createElement('li');
  item.className = 'empty';
  item.textContent = text;
  return item;
}

function isNearEnd() {
  const box = $('messages');
  return box.scrollHeight - box.scrollTop - box.clientHeight < 80;
}

function scrollToEnd() {
  const box = $('messages');
  box.scrollTop = box.scrollHeight;
}
