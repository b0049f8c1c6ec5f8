import type { Button } from '../../reply/reply.js';
import { type InvocationRedis, InvocationStore, type StoredButton } from '../shared/invocation-store.js';
import type { Keyboard } from './bot-api.js';

export type { StoredButton };

/** Telegram layout of the shared invocation store: one keyboard row, callback_data `b:<key>`. */
export class ButtonStore {
  private readonly store: InvocationStore;

  constructor(redis: InvocationRedis, prefix: string) {
    this.store = new InvocationStore(redis, prefix, 'tg');
  }

  async keyboard(buttons: readonly Button[] | undefined): Promise<Keyboard | undefined> {
    if (!buttons || buttons.length === 0) return undefined;
    const row = await Promise.all(
      buttons.map(async (b) => ({ text: b.label, callbackData: `b:${await this.store.save(b)}` })),
    );
    return [row];
  }

  async resolve(callbackData: string): Promise<StoredButton | undefined> {
    const m = /^b:(.+)$/.exec(callbackData);
    return m ? this.store.load(m[1]!) : undefined;
  }
}
