/**
 * Example: a password vault. `npx tsx examples/vault.ts [dir]`
 *
 * Credentials are documents (title, username, secret, url, tags) in one
 * encrypted collection, with a multikey index on tags and a text index on
 * title and url for the search box. The master passphrase goes through
 * Argon2id; the recovery code is shown once at creation. Later the user
 * forgets the passphrase: the recovery code opens the vault, and a fresh
 * recovery code replaces the one just used.
 *
 * Sync between two devices through a relay comes with the sync layer,
 * which has not landed yet.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Collection, Store, WrongPassphraseError, type Doc } from '../src/index.ts';

interface Credential extends Doc {
  title: string;
  username: string;
  secret: string;
  url: string;
  tags: string[];
  updatedAt: Date;
}

const SITES = ['github', 'gitlab', 'mail', 'bank', 'payroll', 'wiki', 'cloud-console', 'chat', 'calendar', 'tax-office'];

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out;
}

const openEntries = (store: Store): Promise<Collection<Credential>> =>
  Collection.open<Credential>(store, 'credentials', { indexes: [{ fields: ['tags'], multi: true }, { text: ['title', 'url'] }] });

export async function runVault(dir: string, passphrase = 'vault master passphrase'): Promise<void> {
  // 1. Create: the recovery code is shown once and never stored in the clear.
  const { store, recoveryCode } = await Store.create(dir, { passphrase });
  const code = recoveryCode.reveal();
  console.log(`vault created; recovery code, shown once: ${code}`);
  const secrets: string[] = [];
  try {
    const entries = await openEntries(store);
    const docs: Credential[] = [];
    for (let i = 0; i < 60; i++) {
      const site = SITES[i % SITES.length] as string;
      const secret = `pw-${crypto.randomUUID()}`;
      secrets.push(secret);
      docs.push({
        title: `${site} ${Math.floor(i / SITES.length) + 1}`, username: `user${i}@example.org`, secret, url: `https://${site}.example.org/login`,
        tags: [i % 2 === 0 ? 'work' : 'personal', ...(site.startsWith('git') ? ['dev'] : []), ...(i % 7 === 0 ? ['2fa'] : [])], updatedAt: new Date(Date.UTC(2026, 0, 1 + i)),
      });
    }
    await entries.insertMany(docs);
    const work = await entries.count({ tags: 'work' });
    const dev: string[] = [];
    for await (const c of entries.find({ tags: 'dev' }, { sort: { title: 1 }, limit: 3 })) dev.push(c.title);
    const found: string[] = [];
    for await (const c of entries.find({ $text: { $search: 'git' } }, { sort: { title: 1 }, projection: { title: 1 } })) found.push(c.title);
    console.log(`60 credentials; tagged work: ${work}; first dev entries: ${dev.join(', ')}; search "git": ${found.length} (${found.slice(0, 3).join(', ')}, ...)`);
  } finally {
    await store.close();
  }

  // 2. Months later the passphrase is forgotten.
  try {
    await Store.open(dir, { passphrase: 'what was it again' });
    throw new Error('a wrong passphrase opened the vault');
  } catch (error) {
    if (!(error instanceof WrongPassphraseError)) throw error;
    console.log(`wrong passphrase -> ${error.code}`);
  }

  // 3. The recovery code opens it; a new code replaces the one just used.
  const recovered = await Store.open(dir, { recoveryCode: code });
  let nextCode: string;
  try {
    const entries = await openEntries(recovered);
    let entry: Credential | undefined;
    for await (const c of entries.find({ $text: { $search: 'github' } }, { limit: 1 })) entry = c;
    if (entry === undefined || !secrets.includes(entry.secret)) throw new Error('the recovered vault lost an entry');
    nextCode = (await recovered.resetRecoveryCode()).reveal();
    console.log(`opened with the recovery code: ${await entries.count()} credentials, e.g. ${entry.title} (${entry.username}); new recovery code, shown once: ${nextCode}`);
  } finally {
    await recovered.close();
  }
  try {
    await Store.open(dir, { recoveryCode: code });
    throw new Error('a used recovery code still opens the vault');
  } catch (error) {
    if (!(error instanceof WrongPassphraseError)) throw error;
  }
  const again = await Store.open(dir, { recoveryCode: nextCode });
  await again.close();
  console.log('the old recovery code no longer opens the vault; the new one does');

  // 4. None of the secrets, usernames or site names is on disk in the clear.
  let leaks = 0;
  const needles = [secrets[0] as string, secrets[59] as string, 'example.org', 'github', code, nextCode];
  for (const file of await filesUnder(dir)) {
    const content = await readFile(file);
    for (const needle of needles) if (content.includes(needle)) leaks++;
  }
  console.log(`plaintext on disk: ${leaks === 0 ? 'none' : `${leaks} hits (BUG)`}`);
  if (leaks > 0) process.exitCode = 1;
}

if (import.meta.filename === process.argv[1]) {
  const given = process.argv[2];
  const dir = given ?? (await mkdtemp(join(tmpdir(), 'synapsed-vault-')));
  try {
    await runVault(given === undefined ? join(dir, 'store') : dir);
  } finally {
    if (given === undefined) await rm(dir, { recursive: true, force: true });
  }
}
