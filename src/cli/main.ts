#!/usr/bin/env node
/**
 * The `synapsed` executable (package.json "bin": built to dist/cli/main.js).
 * Sets the exit code and lets the process end on its own, so output piped
 * to another program is fully written first.
 */
import { run } from './program.ts';

// A closed pipe (`synapsed scan ... | head`) is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

process.exitCode = await run(process.argv.slice(2));
