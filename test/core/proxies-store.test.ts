import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findCommand } from '../../src/bot/commands/registry.js';
import { proxies } from '../../src/core/db/schema/index.js';
import { addProxies, listProxies, loadProxyCredentials, removeProxy } from '../../src/core/proxies/index.js';
import { createTestDeps, type TestDeps } from '../helpers/deps.js';
import { run } from './command-helpers.js';

const SECRET = 'Hunter2-Very-Secret';
let deps: TestDeps;
beforeAll(async () => {
  deps = await createTestDeps();
});
afterAll(async () => deps.close());
beforeEach(async () => {
  await deps.db.delete(proxies);
});

describe('proxy storage', () => {
  it('GIVEN good and malformed lines THEN good ones are added and each bad one is refused with its line and reason', async () => {
    const r = await addProxies(
      deps,
      `1.2.3.4:8080:alice:${SECRET}\n# comment\n1.2.3.4:99999:bob:${SECRET}\n5.6.7.8:3128\n9.9.9.9:80:carol`,
    );
    expect(r.added.map((a) => [a.lineNumber, a.address, a.username])).toEqual([
      [1, '1.2.3.4:8080', 'alice'],
      [4, '5.6.7.8:3128', null],
    ]);
    expect(r.refused.map((x) => [x.lineNumber, x.reason])).toEqual([
      [3, 'port 99999 is out of range (1-65535)'],
      [5, 'the password is missing (a user name was given without one)'],
    ]);
  });

  it('GIVEN a proxy already stored, or repeated in the input THEN it is reported as a duplicate, never stored twice', async () => {
    const first = await addProxies(deps, `1.2.3.4:8080:alice:${SECRET}`);
    const again = await addProxies(
      deps,
      `1.2.3.4:8080:alice:${SECRET}\n1.2.3.4:8080:bob:${SECRET}\n1.2.3.4:8080:bob:${SECRET}\n1.2.3.4:8080:bob:other`,
    );
    expect(again.added.map((a) => a.username)).toEqual(['bob']);
    expect(again.updated).toEqual([]);
    expect(again.duplicates).toEqual([
      { lineNumber: 1, address: '1.2.3.4:8080', username: 'alice', existingId: first.added[0]?.id },
      { lineNumber: 3, address: '1.2.3.4:8080', username: 'bob', repeatsLine: 2 },
      { lineNumber: 4, address: '1.2.3.4:8080', username: 'bob', repeatsLine: 2, otherPassword: true },
    ]);
    expect(await deps.db.select().from(proxies)).toHaveLength(2);
  });

  it('GIVEN a stored proxy given again with a new password THEN the new password is stored (encrypted) and its old health is cleared', async () => {
    const first = await addProxies(deps, `1.2.3.4:8080:alice:${SECRET}\n5.6.7.8:3128`);
    const id = first.added[0]!.id;
    await deps.db
      .update(proxies)
      .set({ health: 'dead', lastError: 'proxy answered 407', cooldownLevel: 2 })
      .where(eq(proxies.id, id));
    const again = await addProxies(deps, '1.2.3.4:8080:alice:NewPass-42\n5.6.7.8:3128');
    expect(again.added).toEqual([]);
    expect(again.updated).toEqual([{ id, lineNumber: 1, address: '1.2.3.4:8080', username: 'alice' }]);
    expect(again.duplicates.map((d) => d.existingId)).toEqual([first.added[1]?.id]);
    const creds = await loadProxyCredentials(deps);
    expect(creds.find((c) => c.id === id)).toMatchObject({ password: 'NewPass-42', health: 'unknown' });
    const raw = await deps.sql`select row_to_json(p)::text as t from proxies p where id = ${id}`;
    expect(String(raw[0]?.t)).not.toContain('NewPass-42');
    const [row] = await deps.db.select().from(proxies).where(eq(proxies.id, id));
    expect(row).toMatchObject({ lastError: null, cooldownLevel: 0 });
    const same = await addProxies(deps, '1.2.3.4:8080:alice:NewPass-42');
    expect(same.updated).toEqual([]);
    expect(same.duplicates.map((d) => d.existingId)).toEqual([id]);
  });

  it('GIVEN an old list with trailing " #" comments re-imported THEN the stored passwords are kept and the comments reported', async () => {
    const first = await addProxies(deps, `1.2.3.4:8080:alice:${SECRET}\n5.6.7.8:3128:bob:pw2`);
    const again = await addProxies(
      deps,
      `1.2.3.4:8080:alice:${SECRET}  # old\n5.6.7.8:3128:bob:pw2\t# spare\n9.9.9.9:80 # new`,
    );
    expect(again.updated).toEqual([]);
    expect(again.added.map((a) => a.address)).toEqual(['9.9.9.9:80']);
    expect(again.duplicates.map((d) => d.existingId)).toEqual(first.added.map((a) => a.id));
    expect(again.trailingComments).toEqual([1, 2, 3]);
    const creds = await loadProxyCredentials(deps);
    expect(Object.fromEntries(creds.map((c) => [c.host, c.password]))).toEqual({
      '1.2.3.4': SECRET,
      '5.6.7.8': 'pw2',
      '9.9.9.9': null,
    });
  });

  it('GIVEN a stored password THEN the stored bytes do not contain it and only the checker view decrypts it', async () => {
    await addProxies(deps, `1.2.3.4:8080:alice:${SECRET}`);
    const raw = await deps.sql`select row_to_json(p)::text as t from proxies p`;
    expect(String(raw[0]?.t)).not.toContain(SECRET);
    expect(String(raw[0]?.t)).toMatch(/"password_enc":"v2\./);
    expect((await listProxies(deps))[0]).toMatchObject({
      address: '1.2.3.4:8080',
      username: 'alice',
      password: '***',
    });
    expect((await loadProxyCredentials(deps))[0]?.password).toBe(SECRET);
  });

  it('GIVEN no CREDENTIALS_KEY THEN a proxy with a password is refused clearly and nothing is stored', async () => {
    const noKey = { ...deps, credentialsKey: undefined };
    await expect(addProxies(noKey, `1.2.3.4:8080:alice:${SECRET}\n5.6.7.8:80`)).rejects.toMatchObject({
      code: 'credentials_key_missing',
      message: expect.stringMatching(/CREDENTIALS_KEY is not set/),
    });
    expect(await deps.db.select().from(proxies)).toHaveLength(0);
    const open = await addProxies(noKey, '5.6.7.8:80');
    expect(open.added).toHaveLength(1);
  });

  it('GIVEN remove by id, by host:port, and an ambiguous host:port THEN each answers precisely', async () => {
    const r = await addProxies(
      deps,
      `1.2.3.4:8080:alice:${SECRET}\n1.2.3.4:8080:bob:${SECRET}\n5.6.7.8:3128`,
    );
    const [a, b, c] = r.added.map((x) => x.id);
    await expect(removeProxy(deps, '1.2.3.4:8080')).rejects.toMatchObject({
      code: 'proxy_ambiguous',
      message: expect.stringContaining(`ids ${a}, ${b}`),
    });
    expect(await removeProxy(deps, '5.6.7.8:3128')).toMatchObject({ id: c });
    expect(await removeProxy(deps, `#${a}`)).toMatchObject({ id: a, username: 'alice' });
    expect(await removeProxy(deps, '1.2.3.4:8080')).toMatchObject({ id: b });
    await expect(removeProxy(deps, '999')).rejects.toMatchObject({ code: 'proxy_not_found' });
    await expect(removeProxy(deps, 'nonsense')).rejects.toMatchObject({ code: 'proxy_ref_invalid' });
  });

  it("GIVEN remove with the whole proxy line or host:port:user THEN that user's proxy is removed; a refusal never repeats the password", async () => {
    const r = await addProxies(deps, `1.2.3.4:8080:alice:${SECRET}\n1.2.3.4:8080:bob:${SECRET}`);
    const [a, b] = r.added.map((x) => x.id);
    expect(await removeProxy(deps, `1.2.3.4:8080:alice:${SECRET}`)).toMatchObject({ id: a });
    expect(await removeProxy(deps, '1.2.3.4:8080:bob')).toMatchObject({ id: b });
    for (const ref of [`1.2.3.4:8080:carol:${SECRET}`, `1.2.3.4:99999:carol:${SECRET}`, `x:${SECRET}@y`]) {
      const err = await removeProxy(deps, ref).catch((e: Error) => e);
      expect(err).toMatchObject({ code: expect.stringMatching(/^proxy_(not_found|ref_invalid)$/) });
      expect((err as Error).message).not.toContain(SECRET);
    }
  });
});

describe('proxy commands', () => {
  it('GIVEN proxy add with good and bad lines THEN the reply says both and never shows a password, in reply or logs', async () => {
    const { reply, text } = await run(
      deps,
      `proxy add 1.2.3.4:8080:alice:${SECRET} 1.2.3.4:0:bob:${SECRET} 2001:db8::1:8080:u:${SECRET}`,
    );
    expect(text).toMatch(/Added 1, already present 0, refused 2/);
    expect(text).toMatch(/line 2: 1\.2\.3\.4:0:bob:\*\*\*: port 0 is out of range/);
    expect(text).toMatch(/line 3: .*IPv6 addresses must be in brackets/);
    expect(reply.ephemeral).toBe(true);
    const list = await run(deps, 'proxy list');
    expect(list.text).toMatch(/1\.2\.3\.4:8080\s+alice\s+\*\*\*/);
    for (const out of [
      text,
      JSON.stringify(reply.data),
      list.text,
      JSON.stringify(list.reply.data),
      deps.logs.text,
    ]) {
      expect(out).not.toContain(SECRET);
    }
  });

  it('GIVEN a pasted list with a comment line, as words from a chat message THEN the comment is not taken for proxies', async () => {
    const { text } = await run(
      deps,
      `proxy add\n# from provider X, fast ones\n7.7.7.7:8080:u:${SECRET}\n8.8.8.8:3128`,
    );
    expect(text).toMatch(/Added 2, already present 0, refused 0/);
  });

  it('GIVEN proxy remove of a shared host:port THEN the reply names the ids to choose from', async () => {
    await run(deps, `proxy add 1.2.3.4:8080:alice:${SECRET} 1.2.3.4:8080:bob:${SECRET}`);
    const { text } = await run(deps, 'proxy remove 1.2.3.4:8080');
    expect(text).toMatch(/2 proxies use 1\.2\.3\.4:8080 with different users \(ids \d+, \d+\)/);
  });

  it('GIVEN proxy test without the checker in this process THEN it says so; with it THEN the service answers', async () => {
    expect((await run(deps, 'proxy test')).text).toMatch(/not available in this process/);
    const seen: Array<number | undefined> = [];
    const r = await run(deps, 'proxy test 3', {
      testProxies: async (id) => {
        seen.push(id);
        return {
          instagramUrl: 'https://www.instagram.com',
          testedFrom: 'bot-host',
          budget: 'used',
          results: [
            {
              id: 3,
              address: '1.2.3.4:8080',
              status: 'reachable',
              latencyMs: 5,
              detail: 'HTTP 200',
              health: 'ok',
              coolingUntil: null,
            },
          ],
        };
      },
    });
    expect(r.text).toMatch(/^Tested 1 proxy against .* from this machine \(host bot-host\).*1 reachable/);
    expect(seen).toEqual([3]);
  });

  it('GIVEN the commands that take credentials THEN they are marked sensitive', () => {
    expect(findCommand(['proxy', 'add'])?.command.sensitive).toBe(true);
    expect(findCommand(['proxy', 'remove'])?.command.sensitive).toBe(true);
    expect(findCommand(['session', 'add'])?.command.sensitive).toBe(true);
  });
});
