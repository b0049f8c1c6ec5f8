import { maskSecrets } from '../core/mask.js';
import { runConsoleCommand } from './console-role.js';

// Exit by code, not process.exit(): pending stdout writes finish and every pool is already closed.
try {
  process.exitCode = await runConsoleCommand(process.argv.slice(2));
} catch (err) {
  const message = maskSecrets(err instanceof Error ? err.message : String(err));
  // --json promises JSON whatever happens, this last resort included.
  const json = process.argv.includes('--json');
  process.stderr.write(
    json ? `${JSON.stringify({ error: message, data: null }, null, 2)}\n` : `Error: ${message}\n`,
  );
  process.exitCode = 1;
}
