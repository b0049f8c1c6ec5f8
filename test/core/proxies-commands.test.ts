import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { renderProxyTest } from '../../src/bot/commands/proxy.js';
import { testProxies } from '../../src/checker/index.js';
import { proxies } from '../../src/core/db/schema/index.js';
import { loadProxyCredentials } from '../../src/core/proxies/index.js';
import { renderPlain } from '../../src/reply/reply.js';
import { type ConnectProxy, startConnectProxies, stopAll } from '../fakes/connect-proxy.js';
import { type FakeInstagram, startFakeInstagram } from '../fakes/fake-instagram.js';
import { createTestDeps, type TestDeps } from '../helpers/deps.js';
import { run } from './command-helpers.js';

let deps: TestDeps;
let fake: FakeInstagram | undefined;
let started: ConnectProxy[] = [];
beforeAll(async () => {
  deps = await createTestDeps();
});
afterAll(async () => deps.close());
beforeEach(async () => {
  await deps.db.delete(proxies);
});
afterEach(async () => {
  await stopAll(started);
  started = [];
  await fake?.stop();
  fake = undefined;
});

const tones = (r: { blocks: Array<{ type: string; tone?: string }> }) =>
  r.blocks.map((b) => (b.type === 'text' ? (b.tone ?? '-') : b.type));

async function passwords(): Promise<Record<string, string | null>> {
  const creds = await loadProxyCredentials(deps);
  return Object.fromEntries(creds.map((c) => [`${c.host}:${c.port}:${c.username}`, c.password]));
}

describe('proxy add from the console', () => {
  it('GIVEN quoted proxies whose passwords hold , ; # and a space THEN all four are added with the whole password and nothing is refused', async () => {
    const { reply, text } = await run(
      deps,
      'proxy add "127.0.0.1:18932:comma:ab,cd" "127.0.0.1:18932:semi:x;y" "127.0.0.1:18932:hash:a#b" "1.2.3.13:8080:user:pass word"',
    );
    expect(text).toMatch(/^Added 4, already present 0, refused 0\./);
    expect(text).not.toMatch(/Refused|Skipped/);
    expect(await passwords()).toEqual({
      '127.0.0.1:18932:comma': 'ab,cd',
      '127.0.0.1:18932:semi': 'x;y',
      '127.0.0.1:18932:hash': 'a#b',
      '1.2.3.13:8080:user': 'pass word',
    });
    for (const fragment of ['ab,cd', 'x;y', 'a#b', 'pass word']) {
      expect(text).not.toContain(fragment);
      expect(JSON.stringify(reply.data)).not.toContain(fragment);
    }
  });

  it('GIVEN a password with , ; # and spaces for a real CONNECT proxy THEN the proxy accepts the stored credentials', async () => {
    const password = 'p,w;x#y z';
    fake = await startFakeInstagram();
    started = await startConnectProxies(1, { username: 'op', password });
    const [proxy] = started as [ConnectProxy];
    const added = await run(deps, `proxy add "${proxy.line}"`);
    expect(added.text).toMatch(/^Added 1, already present 0, refused 0\./);
    const tested = await testProxies(deps, { instagramUrl: fake.url, timeoutMs: 2000 });
    expect(tested.results.map((r) => r.status)).toEqual(['reachable']);
    expect(proxy.authFailures).toBe(0);
    expect(renderPlain(renderProxyTest(tested))).not.toContain(password);
  });

  it('GIVEN a user name that is an e-mail address THEN it is added with that user, and the password is never shown', async () => {
    const { text } = await run(deps, 'proxy add "1.2.3.50:8080:me@mail.com:LEAKPW9"');
    expect(text).toMatch(/^Added 1, already present 0, refused 0\./);
    expect(text).toContain('1.2.3.50:8080 (me@mail.com)');
    expect(await passwords()).toEqual({ '1.2.3.50:8080:me@mail.com': 'LEAKPW9' });
    const bad = await run(deps, 'proxy add "1.2.3.50:99999:me@mail.com:LEAKPW9"');
    expect(bad.text).toContain('line 1: 1.2.3.50:99999:me@mail.com:***: port 99999 is out of range');
    expect(`${text}${bad.text}${JSON.stringify(bad.reply.data)}${deps.logs.text}`).not.toContain('LEAKPW9');
  });

  it('GIVEN a stored proxy re-added with a new password THEN the reply says the password was updated and the proxy takes it', async () => {
    fake = await startFakeInstagram();
    started = await startConnectProxies(1, { username: 'op', password: 'RightPass-1' });
    const [proxy] = started as [ConnectProxy];
    const first = await run(deps, `proxy add 127.0.0.1:${proxy.port}:op:WrongPass-1`);
    const id = (first.reply.data as { added: Array<{ id: number }> }).added[0]?.id;
    const before = await testProxies(deps, { instagramUrl: fake.url, timeoutMs: 2000 });
    expect(before.results[0]?.status).toBe('auth_refused');

    const again = await run(deps, `proxy add ${proxy.line}`);
    expect(again.text).toMatch(/^Added 0, password updated 1, already present 0, refused 0\./);
    expect(again.text).toContain(`updated the password of #${id} 127.0.0.1:${proxy.port} (op)`);
    expect(tones(again.reply)[0]).toBe('success');
    const after = await testProxies(deps, { instagramUrl: fake.url, timeoutMs: 2000 });
    expect(after.results[0]?.status).toBe('reachable');

    const same = await run(deps, `proxy add ${proxy.line}`);
    expect(same.text).toMatch(/^Added 0, already present 1, refused 0\./);
    expect(same.text).toContain(`line 1 127.0.0.1:${proxy.port} (#${id})`);
    for (const t of [first.text, again.text, same.text]) expect(t).not.toMatch(/RightPass|WrongPass/);
  });

  it('GIVEN every line refused THEN the reply is an error; with something added or only duplicates THEN it is not', async () => {
    const refused = await run(deps, 'proxy add 1.2.3.4:0:u:Secret-77 junk');
    expect(tones(refused.reply)[0]).toBe('error');
    expect(refused.text).toMatch(/^Error: Nothing was added: already present 0, refused 2\./);
    expect(refused.text).toContain('line 1: 1.2.3.4:0:u:***: port 0 is out of range');
    expect(refused.text).toContain('line 2: junk: the port is missing');
    expect(refused.text).not.toContain('Secret-77');

    const mixed = await run(deps, 'proxy add 1.2.3.4:8080 junk');
    expect(tones(mixed.reply)).not.toContain('error');
    expect(mixed.text).toMatch(/^Added 1, already present 0, refused 1\./);
    const duplicate = await run(deps, 'proxy add 1.2.3.4:8080');
    expect(tones(duplicate.reply)).toEqual(['info', '-']);
  });

  it('GIVEN a proxy with a trailing " #" comment THEN the comment is cut off and the reply says so for that line', async () => {
    const { text } = await run(deps, 'proxy add "1.2.3.4:8080:u:Secret-31  # old" 5.6.7.8:80');
    expect(text).toMatch(/^Added 2, already present 0, refused 0\./);
    expect(text).toContain("line 1: the text after ' #' was read as a comment");
    expect(text).not.toContain('line 2: the text');
    expect(await passwords()).toEqual({ '1.2.3.4:8080:u': 'Secret-31', '5.6.7.8:80:null': null });
    expect(text).not.toContain('Secret-31');
  });

  it('GIVEN a quoted password with a space before something like host:port THEN one proxy is added and no part of the password shown', async () => {
    const { reply, text } = await run(
      deps,
      'proxy add "1.2.3.4:8080:u:my pass:1234" "1.2.3.4:8080:v:ab,c:1"',
    );
    expect(text).toMatch(/^Added 2, already present 0, refused 0\./);
    expect(await passwords()).toEqual({ '1.2.3.4:8080:u': 'my pass:1234', '1.2.3.4:8080:v': 'ab,c:1' });
    for (const t of [text, JSON.stringify(reply.data)]) expect(t).not.toMatch(/pass:1234|c:1\b/);
  });

  it('GIVEN a comment from a chat message THEN it is skipped and said so, and a proxy after it is never swallowed', async () => {
    const { text } = await run(deps, 'proxy add\n# from provider X, fast ones\n7.7.7.7\n8.8.8.8:3128');
    expect(text).toMatch(/^Added 1, already present 0, refused 1\./);
    expect(text).toContain('line 2: 7.7.7.7: the port is missing');
    expect(text).toContain('Skipped 1 comment (starting with #): line 1.');
  });
});

describe('proxy remove and proxy test arguments', () => {
  it('GIVEN proxy remove with a whole proxy line THEN the password is not repeated, and a stored one is removed', async () => {
    const missing = await run(deps, 'proxy remove 1.2.3.4:8080:user:secretpw1');
    expect(missing.text).toMatch(/^Error: No proxy 1\.2\.3\.4:8080 \(user user\)/);
    await run(deps, 'proxy add 1.2.3.4:8080:user:secretpw1 1.2.3.4:8080:other:secretpw1');
    const removed = await run(deps, 'proxy remove 1.2.3.4:8080:user:secretpw1');
    expect(removed.text).toMatch(/^Removed proxy #\d+ 1\.2\.3\.4:8080 \(user\)/);
    const bad = await run(deps, 'proxy remove 1.2.3.4:99999:user:secretpw1');
    expect(bad.text).toContain('"1.2.3.4:99999:user:***" is neither a proxy id nor host:port');
    for (const t of [missing.text, removed.text, bad.text, deps.logs.text])
      expect(t).not.toContain('secretpw1');
    for (const r of [missing, removed, bad]) expect(r.reply.ephemeral).toBe(true);
    expect(Object.keys(await passwords())).toEqual(['1.2.3.4:8080:other']);
  });

  it('GIVEN proxy test with a word that is not an id, or proxy remove with nothing THEN the reply names what is accepted', async () => {
    const test = await run(deps, 'proxy test abc');
    expect(test.text).toMatch(
      /^Error: The proxy id is a whole number from `\/proxy list`, e.g. `\/proxy test 3`/,
    );
    const remove = await run(deps, 'proxy remove');
    expect(remove.text).toMatch(/^Error: Give the proxy to remove: its id from `\/proxy list`/);
    const hidden = await run(deps, 'proxy test 1.2.3.4:8080:u:TopSecret-5');
    expect(hidden.text).toMatch(/The proxy id is a whole number/);
    for (const t of [test.text, remove.text, hidden.text]) {
      expect(t).not.toMatch(/NaN|received|undefined|TopSecret/);
    }
    const seen: Array<number | undefined> = [];
    const ok = await run(deps, 'proxy test #4', {
      testProxies: async (id) => {
        seen.push(id);
        return { instagramUrl: 'https://www.instagram.com', testedFrom: 'test', budget: 'none', results: [] };
      },
    });
    expect(ok.text).toMatch(/^No proxies to test/);
    expect(seen).toEqual([4]);
  });
});
