import { maskSecrets } from '../../core/mask.js';
import { runConsole } from './run-console.js';

// Exit by code, not process.exit(): pending stdout writes finish and every pool is already closed.
try {
  process.exitCode = await runConsole(process.argv.slice(2));
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`Error: ${maskSecrets(message)}\n`);
  process.exitCode = 1;
}
