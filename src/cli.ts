import { readStdin, UsageError } from './cli/args.js';
import { COMMANDS, describeFailure, type CliIo } from './cli/commands.js';
import { ConfigError } from './config.js';

/** Exit codes: 0 done, 1 the command failed, 2 the command line was wrong. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`);
  return ['Usage: bindery <command> [options]', '', 'Commands:', ...lines, '', 'Run `bindery <command> --help` for its options.'].join(
    '\n',
  );
}

const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  readSecret: readStdin,
  env: process.env,
};

export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  const { out, err } = io;
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    out(help());
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS[name];
  if (!command) {
    err(`Unknown command: ${name}\n\n${help()}`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    out(`${command.summary}\n\nUsage: ${command.usage}`);
    return EXIT.ok;
  }
  try {
    await command.run(rest, io);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof UsageError) {
      err(`${error.message}\nUsage: ${command.usage}`);
      return EXIT.usage;
    }
    err(error instanceof ConfigError ? error.message : `${name} failed: ${describeFailure(error)}`);
    return EXIT.failed;
  }
}
