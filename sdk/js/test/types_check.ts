// Compiled (never run) by `tsc --noEmit` against parley.d.ts: the contract's example, typed.
import {
    AccessManager, ChatClient, ParleyError, TokenProviderError, inspectToken,
    type Channel, type Disconnect, type Message, type TokenInfo,
} from '../parley.js';

declare const token: string;
declare function fetchToken(): Promise<string>;

export async function contractExample(): Promise<void> {
    let client: ChatClient;
    try {
        client = await ChatClient.create(token, { url: 'ws://127.0.0.1:8080/v1/ws', aboutToExpireWindow: 180 });
    } catch (error) {
        if (error instanceof ParleyError) console.log(error.code, error.message);
        return;
    }
    const off: () => void = client.on('messageAdded', (m: Message) => console.log(m.index, m.channelSid, m.dateCreated));
    off();
    client.on('disconnected', (d: Disconnect) => console.log(d.code, d.reason, d.willReconnect));
    client.on('tokenError', (e: ParleyError) => console.log(e.code));
    client.on('connectionStateChanged', (state) => console.log(state === 'reconnecting'));
    client.on('connected', (info) => console.log(info.reconnected));
    client.on('memberJoined', ({ channel, identity }) => console.log(channel, identity));
    client.addListener({ onTokenAboutToExpire: (info: TokenInfo) => console.log(info.expiresAt) });
    const info: TokenInfo = await client.updateToken(token);
    const read: TokenInfo = inspectToken(token); // for display: not verified
    const channel: Channel = await client.createChannel('general', { isPrivate: false, friendlyName: 'General', attributes: {} });
    const channels: Channel[] = await client.listChannels();
    await client.join(channel.sid);
    await client.leave(channel.uniqueName);
    const members = await client.members('general');
    await client.addMember('general', 'bob');
    const sent: Message = await client.sendMessage('general', 'hello', { k: 1 });
    const page: Message[] = await client.getMessages('general', { before: sent.index, limit: 50 });
    await client.getMessages('general', { after: 0 });
    console.log(info.identity, channels.length, members[0]?.joinedAt, page.length);

    const am = new AccessManager(token, {
        tokenProvider: async () => {
            const jwt = await fetchToken();
            if (!jwt) throw new TokenProviderError('signed out', { terminal: true });
            return jwt;
        },
        aboutToExpireWindow: 180,
    });
    const detach: () => void = am.attach(client);
    am.on('tokenWillExpire', (t) => console.log(t.expiresAt));
    am.on('tokenExpired', (t) => console.log(t.identity));
    am.on('tokenUpdated', (t) => console.log(t.identity));
    am.on('error', (e) => console.log(e.code));
    console.log(am.token, am.providerCalls);
    detach();
    am.shutdown();
    await client.shutdown();
}
