/**
 * Child process for lock.test.ts. Modes (argv[2]):
 *   try  DIR CODE  open the store once, report how it went, close, exit.
 *   hold DIR CODE  open the store, report 'ready', keep it open until told
 *                  to close (message 'close') or killed.
 * Reports go to the parent over IPC, errors by class name and `.code`.
 */
import { Store, StoreLockedError } from '../../src/index.ts';

const [mode, dir, recoveryCode] = process.argv.slice(2);
const send = (message: unknown): Promise<void> =>
  new Promise((resolve, reject) => process.send?.(message, undefined, {}, (error) => (error ? reject(error) : resolve())));

if (dir === undefined || recoveryCode === undefined) throw new Error('usage: lock-child.ts try|hold DIR RECOVERY_CODE');
if (mode === 'try') {
  try {
    const store = await Store.open(dir, { recoveryCode });
    await store.close();
    await send({ opened: true });
  } catch (error) {
    const e = error as { name?: unknown; code?: unknown };
    await send({ opened: false, name: e.name, code: e.code, locked: error instanceof StoreLockedError });
  }
  process.disconnect();
} else if (mode === 'hold') {
  const store = await Store.open(dir, { recoveryCode });
  await store.put('held-by', String(process.pid));
  process.on('message', (message) => {
    if (message === 'close') void store.close().then(() => process.disconnect());
  });
  await send('ready');
} else {
  throw new Error(`unknown mode ${mode}`);
}
