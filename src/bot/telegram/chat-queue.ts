/**
 * Runs work one at a time per chat (so a chat's commands keep their order) while other chats carry
 * on; `drain` waits for everything scheduled so far.
 */
export function createChatQueue(): {
  schedule(chatKey: string, work: () => Promise<void>): void;
  drain(): Promise<unknown>;
} {
  const chains = new Map<string, Promise<void>>();
  const inFlight = new Set<Promise<void>>();
  return {
    schedule(chatKey, work) {
      const previous = chains.get(chatKey) ?? Promise.resolve();
      const next = previous.then(work);
      chains.set(chatKey, next);
      inFlight.add(next);
      void next.finally(() => {
        inFlight.delete(next);
        if (chains.get(chatKey) === next) chains.delete(chatKey);
      });
    },
    drain: () => Promise.allSettled([...inFlight]),
  };
}
