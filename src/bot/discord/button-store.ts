import type { Button } from '../../reply/reply.js';
import { type InvocationRedis, InvocationStore, type StoredButton } from '../shared/invocation-store.js';

export type { StoredButton };

const PER_ROW = 5;
const MAX_ROWS = 5;
const LABEL_MAX = 80;

/** Discord's message component JSON (action rows of secondary buttons). */
export interface ActionRowJson {
  type: 1;
  components: Array<{ type: 2; style: 2; label: string; custom_id: string }>;
}

/** Discord layout of the shared invocation store: action rows of up to 5 buttons, custom_id `sw:<key>`. */
export class DiscordButtonStore {
  private readonly store: InvocationStore;

  constructor(redis: InvocationRedis, prefix: string) {
    this.store = new InvocationStore(redis, prefix, 'dc');
  }

  async components(buttons: readonly Button[] | undefined): Promise<ActionRowJson[]> {
    if (!buttons || buttons.length === 0) return [];
    const shown = buttons.slice(0, PER_ROW * MAX_ROWS);
    const made = await Promise.all(
      shown.map(async (b) => {
        const label = b.label.length <= LABEL_MAX ? b.label : `${b.label.slice(0, LABEL_MAX - 1)}…`;
        return { type: 2 as const, style: 2 as const, label, custom_id: `sw:${await this.store.save(b)}` };
      }),
    );
    const rows: ActionRowJson[] = [];
    for (let i = 0; i < made.length; i += PER_ROW)
      rows.push({ type: 1, components: made.slice(i, i + PER_ROW) });
    return rows;
  }

  async resolve(customId: string): Promise<StoredButton | undefined> {
    const m = /^sw:(.+)$/.exec(customId);
    return m ? this.store.load(m[1]!) : undefined;
  }
}
