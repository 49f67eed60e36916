/**
 * The `synapsed` command line: commander wiring, global options, help with
 * examples, and one exit code per class of failure (exit-codes.ts).
 *
 * `run(argv)` never calls `process.exit`: it resolves with the exit code,
 * so main.ts can set `process.exitCode` and let pending output drain.
 * Ctrl-C / SIGTERM abort the running operation through an AbortSignal
 * (long operations stop cleanly, the store closes) and exit with 130.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError as CommanderArgumentError, Option } from 'commander';
import { bench } from './commands/bench.ts';
import { blobGet, blobLs, blobPut, blobRm, blobStat } from './commands/blob.ts';
import { changePassphrase, compact, info, init, rotateKey, verify } from './commands/admin.ts';
import { del, get, put, scan } from './commands/kv.ts';
import { exportNdjson, importNdjson } from './commands/transfer.ts';
import { Context, ENV, type GlobalOptions } from './context.ts';
import { CliExit, EXIT, exitCodeOf } from './exit-codes.ts';
import { Output, processIo, type CliIo } from './output.ts';

function integer(min: number): (value: string) => number {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new CommanderArgumentError(`expected an integer >= ${min}`);
    return n;
  };
}

function version(): string {
  try {
    // Two levels below the package root, from src/cli/ and from dist/cli/ alike.
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

const EXAMPLES = `
Secrets never come from arguments. Give them on a file descriptor, in the
environment, or type them at the hidden prompt:
  --passphrase-fd N       ${ENV.PASSPHRASE}         current passphrase (or the new one for init)
  --new-passphrase-fd N   ${ENV.NEW_PASSPHRASE}     new passphrase for change-passphrase
  --recovery-code-fd N    ${ENV.RECOVERY_CODE}      open with the recovery code instead

Examples:
  $ synapsed init ./data                         # asks for a passphrase twice, prints the recovery code
  $ synapsed put ./data greeting "hello"
  $ synapsed get ./data greeting
  $ synapsed scan ./data --prefix chat/ --limit 10 --json
  $ synapsed export ./data --collection messages --output messages.ndjson
  $ synapsed import ./data --input backup.ndjson
  $ synapsed blob put ./data att/cat.jpg cat.jpg --content-type image/jpeg
  $ synapsed verify ./data && synapsed rotate-key ./data
  $ synapsed get ./data k --passphrase-fd 3 3< ~/.secrets/store-pass
  $ ${ENV.PASSPHRASE}="$(pass show store)" synapsed info ./data --json

Exit codes: 0 ok, 1 failure, 2 usage, 3 wrong passphrase, 4 store not found,
5 key not found, 6 store exists, 7 store locked, 8 integrity, 9 format version,
10 I/O, 11 bad input data, 130 interrupted (docs/cli.md).`;

/** Builds the program; actions receive a Context from the merged global options. */
export function buildProgram(io: CliIo, signal: AbortSignal): Command {
  const program = new Command('synapsed');
  program
    .description('Inspect and operate synapsed-storage stores: encrypted embedded key-value, documents and time series.')
    .version(version(), '-V, --version')
    .option('--json', 'machine-readable output: one JSON document per result (NDJSON for listings)')
    .option('--no-progress', 'never draw progress bars (they are drawn only when stdout is a terminal)')
    .addOption(new Option('--passphrase-fd <n>', 'read the passphrase from this file descriptor').argParser(integer(0)))
    .addOption(new Option('--new-passphrase-fd <n>', 'read the new passphrase (change-passphrase) from this descriptor').argParser(integer(0)))
    .addOption(new Option('--recovery-code-fd <n>', 'open with the recovery code read from this descriptor').argParser(integer(0)))
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run synapsed --help for usage)')
    .addHelpText('after', EXAMPLES);

  const ctx = (command: Command): Context => new Context(io, command.optsWithGlobals<GlobalOptions>(), signal);
  const encodingOptions = (c: Command): Command =>
    c.option('--key-encoding <enc>', 'keys given and shown as utf8, hex or base64', 'utf8').option('--value-encoding <enc>', 'values given and shown as utf8, hex or base64', 'utf8');

  program.command('init').argument('<dir>', 'directory for the new store (created if missing)')
    .description('create an encrypted store and show its recovery code once')
    .addOption(new Option('--kdf-memory <MiB>', 'Argon2id memory (default 64, floor 19)').argParser(integer(1)))
    .addOption(new Option('--kdf-iterations <n>', 'Argon2id iterations (default 3, floor 2)').argParser(integer(1)))
    .addOption(new Option('--kdf-parallelism <n>', 'Argon2id lanes (default 4, floor 1)').argParser(integer(1)))
    .addHelpText('after', '\nExample:\n  $ synapsed init ./data --json --passphrase-fd 3 3< pass.txt   # {"dir":"./data","recoveryCode":"..."}')
    .action((dir: string, o: Record<string, number>, c: Command) => init(ctx(c), dir, { ...o }));

  program.command('info').argument('<dir>').description('header, sizes on disk, record counts, collections and engine figures')
    .action((dir: string, _o: unknown, c: Command) => info(ctx(c), dir));

  encodingOptions(program.command('get').argument('<dir>').argument('<key>'))
    .description('print the value of a key (exit 5 when absent)')
    .option('--raw', 'write the value bytes exactly, without a newline')
    .addHelpText('after', '\nExample:\n  $ synapsed get ./data 6b6579 --key-encoding hex --value-encoding base64')
    .action((dir: string, key: string, o: Record<string, string>, c: Command) => get(ctx(c), dir, key, o));

  encodingOptions(program.command('put').argument('<dir>').argument('<key>').argument('[value]', "the value; read from stdin when omitted or '-'"))
    .description('write a value')
    .option('--sync', 'fsync before returning (survives a power cut)')
    .addHelpText('after', '\nExample:\n  $ synapsed put ./data photo.jpg - < photo.jpg')
    .action((dir: string, key: string, value: string | undefined, o: Record<string, string>, c: Command) => put(ctx(c), dir, key, value, o));

  encodingOptions(program.command('del').alias('delete').argument('<dir>').argument('<key>'))
    .description('delete a key (no error when absent)')
    .option('--sync', 'fsync before returning')
    .action((dir: string, key: string, o: Record<string, string>, c: Command) => del(ctx(c), dir, key, o));

  encodingOptions(program.command('scan').argument('<dir>'))
    .description('list entries in key order: key<TAB>value per line, or NDJSON with --json')
    .option('--prefix <p>', 'keys starting with p').option('--gte <k>').option('--gt <k>').option('--lte <k>').option('--lt <k>')
    .option('--reverse', 'descending order')
    .addOption(new Option('--limit <n>', 'at most n entries').argParser(integer(0)))
    .option('--keys-only', 'print keys only')
    .addHelpText('after', '\nExample:\n  $ synapsed scan ./data --prefix chat/alice/ --reverse --limit 20')
    .action((dir: string, o: Record<string, string>, c: Command) => scan(ctx(c), dir, o));

  program.command('export').argument('<dir>')
    .description('write NDJSON: the key-value entries, or one collection with --collection')
    .option('--collection <name>', 'export this document collection')
    .option('-o, --output <file>', 'write to a new file (mode 0600; never overwrites) instead of stdout')
    .addHelpText('after', '\nExample:\n  $ synapsed export ./data -o kv.ndjson && synapsed export ./data --collection messages > messages.ndjson')
    .action((dir: string, o: Record<string, string>, c: Command) => exportNdjson(ctx(c), dir, o));

  program.command('import').argument('<dir>')
    .description('read NDJSON into the key-value store, or into one collection with --collection')
    .option('--collection <name>', 'import documents into this collection (created if missing)')
    .option('-i, --input <file>', 'read this file instead of stdin')
    .addOption(new Option('--batch-size <n>', 'entries per atomic batch').argParser(integer(1)).default(500))
    .addHelpText('after', '\nExample:\n  $ synapsed import ./data --collection messages -i messages.ndjson')
    .action((dir: string, o: Record<string, string>, c: Command) => importNdjson(ctx(c), dir, o));

  const blob = program.command('blob').description('streamed, encrypted blobs: put, get, ls, stat, rm');
  blob.command('put').argument('<dir>').argument('<id>').argument('[file]', "the content; stdin when omitted or '-'")
    .description('store a file (or stdin) as blob <id>, replacing any previous version')
    .option('--content-type <type>', 'a MIME type kept with the blob')
    .option('--dedup', 'share stored content with an identical blob')
    .addHelpText('after', '\nExample:\n  $ synapsed blob put ./data att/2026/cat.jpg cat.jpg --content-type image/jpeg')
    .action((dir: string, id: string, file: string | undefined, o: Record<string, string>, c: Command) => blobPut(ctx(c), dir, id, file, o));
  blob.command('get').argument('<dir>').argument('<id>')
    .description('write blob <id> (or a byte range) to stdout or a new file; exit 5 when absent')
    .option('-o, --output <file>', 'write to a new file (mode 0600; never overwrites)')
    .addOption(new Option('--start <n>', 'first byte').argParser(integer(0)))
    .addOption(new Option('--end <n>', 'last byte, inclusive').argParser(integer(0)))
    .addHelpText('after', '\nExample:\n  $ synapsed blob get ./data att/2026/cat.jpg --start 0 --end 1023 > head.bin')
    .action((dir: string, id: string, o: Record<string, string>, c: Command) => blobGet(ctx(c), dir, id, o));
  blob.command('ls').argument('<dir>').description('list blobs: id, size, content type, modified')
    .option('--prefix <p>', 'ids starting with p')
    .addOption(new Option('--limit <n>', 'at most n blobs').argParser(integer(0)))
    .action((dir: string, o: Record<string, string>, c: Command) => blobLs(ctx(c), dir, o));
  blob.command('stat').argument('<dir>').argument('<id>').description('one blob\'s size, type, metadata and times; exit 5 when absent')
    .action((dir: string, id: string, _o: unknown, c: Command) => blobStat(ctx(c), dir, id));
  blob.command('rm').argument('<dir>').argument('<id>').description('delete a blob (no error when absent)')
    .action((dir: string, id: string, _o: unknown, c: Command) => blobRm(ctx(c), dir, id));

  program.command('verify').argument('<dir>')
    .description('authenticate every stored record and blob chunk; exit 8 and list the damage if any')
    .action((dir: string, _o: unknown, c: Command) => verify(ctx(c), dir));

  program.command('change-passphrase').argument('<dir>')
    .description('set a new passphrase (rewrites the header only: instant at any size)')
    .addHelpText('after', `\nExample:\n  $ ${ENV.PASSPHRASE}=old ${ENV.NEW_PASSPHRASE}=new synapsed change-passphrase ./data`)
    .action((dir: string, _o: unknown, c: Command) => changePassphrase(ctx(c), dir));

  program.command('rotate-key').argument('<dir>')
    .description('new data key for new writes; re-encrypt every record under it, then destroy the old key')
    .action((dir: string, _o: unknown, c: Command) => rotateKey(ctx(c), dir));

  program.command('compact').argument('<dir>')
    .description('flush the memtable into an encrypted run (no full compaction exists yet)')
    .action((dir: string, _o: unknown, c: Command) => compact(ctx(c), dir));

  program.command('bench')
    .description('quick put/get micro-benchmark on a throwaway store (bench/ has the real one)')
    .addOption(new Option('-n, --count <n>', 'keys').argParser(integer(1)).default(20_000))
    .addOption(new Option('--value-size <bytes>', 'bytes per value').argParser(integer(1)).default(100))
    .option('--memory', 'memory store instead of a temporary directory')
    .option('--dir <parent>', 'where the temporary store goes (default: the OS temp dir)')
    .action((o: Record<string, unknown>, c: Command) => bench(ctx(c), o));

  return program;
}

/** Runs the CLI on `argv` (without node and script); resolves with the exit code. */
export async function run(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const controller = new AbortController();
  const interrupt = (): void => controller.abort(new CliExit(EXIT.INTERRUPTED, 'interrupted', 'interrupted'));
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  const program = buildProgram(io, controller.signal);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.OK;
  } catch (error) {
    // Commander printed its own message (or the help, or the version).
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    new Output(io, argv.includes('--json')).error(error);
    return exitCodeOf(error);
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}
