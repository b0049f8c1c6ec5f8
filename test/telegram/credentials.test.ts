import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotHarness, OWNER, startBotHarness, visible } from './harness.js';

const PASSWORD = 'S3cretPassw0rd';
const OTHER_PASSWORD = 'an0therSecretPw';

describe('Telegram: commands that carry credentials', () => {
  let h: BotHarness;
  beforeAll(async () => {
    h = await startBotHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const everythingTheBotSaid = () =>
    h.fake.botMessages
      .map((m) => [m.text ?? '', ...m.edits, m.caption ?? '', m.document?.content ?? ''].join('\n'))
      .join('\n');

  it('GIVEN /proxy add with one proxy per line THEN they are added, the message is deleted and the reply masks passwords', async () => {
    const text = `/proxy add\n10.0.0.1:8080:alice:${PASSWORD}\nhttp://bob:${OTHER_PASSWORD}@proxy.example.com:3128\nnot-a-proxy`;
    const { sent, replies } = await h.say(text);
    const answer = visible(replies[0]);
    console.log(`proxy add reply: ${answer.split('\n')[0]}`);
    expect(answer).toContain('Added 2, already present 0, refused 1.');
    expect(answer).toContain('line 3: not-a-proxy');
    await h.fake.waitFor(() => h.fake.deletedUserMessages.find((d) => d.messageId === sent.messageId));
    const list = visible((await h.say('/proxy list')).replies[0]);
    expect(list).toContain('10.0.0.1:8080');
    expect(list).toContain('alice');
    expect(list).not.toContain(PASSWORD);
    expect(everythingTheBotSaid()).not.toContain(PASSWORD);
    expect(everythingTheBotSaid()).not.toContain(OTHER_PASSWORD);
    expect(h.app.logs.text).not.toContain(PASSWORD);
    expect(h.app.logs.text).not.toContain(OTHER_PASSWORD);
  });

  it('GIVEN /proxy add but Telegram refuses the deletion THEN the reply asks the operator to delete it', async () => {
    h.fake.failNext('deleteMessage', 1, 400, { description: "Bad Request: message can't be deleted" });
    const { replies } = await h.say(`/proxy add 10.0.0.2:8080:carol:${PASSWORD}`);
    expect(visible(replies[0])).toContain('please delete it yourself');
    expect(everythingTheBotSaid()).not.toContain(PASSWORD);
  });

  it('GIVEN /session add THEN the message with the cookie is deleted and the cookie never appears in the chat', async () => {
    const cookie =
      'sessionid=1234567%3AabcdefghIJKLmnop%3A12%3AAYdEADBEEFCAFE; csrftoken=zzzzTOKENzzzz; ds_user_id=1234567';
    const { sent, replies } = await h.say(`/session add ${cookie}`);
    expect(replies[0]).toBeDefined();
    await h.fake.waitFor(() => h.fake.deletedUserMessages.find((d) => d.messageId === sent.messageId));
    expect(everythingTheBotSaid()).not.toContain('AYdEADBEEFCAFE');
    expect(everythingTheBotSaid()).not.toContain('zzzzTOKENzzzz');
    expect(h.app.logs.text).not.toContain('AYdEADBEEFCAFE');
    expect(h.fake.messagesTo(OWNER).length).toBeGreaterThan(0);
  });

  it('GIVEN /proxy alone THEN its subcommands are listed', async () => {
    const text = visible((await h.say('/proxy')).replies[0]);
    expect(text).toContain('/proxy add PROXIES...');
    expect(text).toContain('/proxy remove PROXY');
  });
});
