import { loadConfig } from '../config.js';
import { createContainer, type Container } from '../container.js';
import { AppError } from '../errors.js';
import { compileGuard, strictAjv } from '../lib/validation.js';
import { RegisterBody } from '../schemas/users.js';
import { startServer } from '../server.js';
import { parseOptions, required } from './args.js';

/** What a command may touch of the outside world; tests pass their own. */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  readSecret: () => Promise<string>;
  env: NodeJS.ProcessEnv;
}

export interface Command {
  summary: string;
  usage: string;
  run(argv: string[], io: CliIo): Promise<void>;
}

/** Runs `work` against the configured database, closing it afterwards whatever happens. */
async function withContainer<T>(io: CliIo, work: (container: Container) => Promise<T>): Promise<T> {
  // Admin commands are not rate limited across instances, and must work while Redis is down.
  const container = await createContainer(Object.freeze({ ...loadConfig(io.env), redisUrl: undefined }));
  try {
    return await work(container);
  } finally {
    await container.close();
  }
}

async function requireUser(container: Container, email: string) {
  const user = await container.identity.accounts.findByEmail(email);
  if (!user) throw new Error(`no account with email ${email}`);
  return user;
}

/** The API's own body schema: an account made at the command line obeys exactly the rules of POST /users/. */
const checkRegistration = compileGuard<RegisterBody>(RegisterBody, strictAjv);

/** The client an account created at the command line is registered from (and throttled as). */
const OPERATOR = { ip: 'cli', userAgent: 'bindery-cli' };

export const COMMANDS: Record<string, Command> = {
  serve: {
    summary: 'Start the HTTP server (the same as npm start)',
    usage: 'bindery serve',
    async run(argv) {
      parseOptions(argv, {});
      await startServer();
    },
  },
  migrate: {
    summary: 'Apply pending database migrations and exit',
    usage: 'bindery migrate',
    async run(argv, io) {
      parseOptions(argv, {});
      await withContainer(io, async () => undefined);
      io.out('migrations applied');
    },
  },
  'keys:rotate': {
    summary: 'Make a new signing key; older keys retire once the tokens they signed have expired',
    usage: 'bindery keys:rotate',
    async run(argv, io) {
      parseOptions(argv, {});
      const kid = await withContainer(io, (container) => container.identity.keys.rotate());
      io.out(`new signing key ${kid}`);
    },
  },
  'user:create': {
    summary: 'Create an account; the password is read from standard input',
    usage: 'printf %s "$PASSWORD" | bindery user:create --email <email> --name <name>',
    async run(argv, io) {
      const options = parseOptions(argv, { email: { type: 'string' }, name: { type: 'string' } });
      const email = required(options.email, 'email');
      const name = required(options.name, 'name');
      const body = checkRegistration({ name, email, password: await io.readSecret() });
      const user = await withContainer(io, (container) => container.identity.accounts.register(body, OPERATOR));
      io.out(`created ${user.email} (${user.id})`);
    },
  },
  'user:disable': {
    summary: 'Disable an account and end all of its sessions',
    usage: 'bindery user:disable --email <email>',
    async run(argv, io) {
      const email = required(parseOptions(argv, { email: { type: 'string' } }).email, 'email');
      await withContainer(io, async (container) => container.identity.accounts.disable((await requireUser(container, email)).id, null));
      io.out(`disabled ${email}`);
    },
  },
  'user:enable': {
    summary: 'Enable a disabled account',
    usage: 'bindery user:enable --email <email>',
    async run(argv, io) {
      const email = required(parseOptions(argv, { email: { type: 'string' } }).email, 'email');
      await withContainer(io, async (container) => container.identity.accounts.enable((await requireUser(container, email)).id));
      io.out(`enabled ${email}`);
    },
  },
  'sessions:revoke': {
    summary: 'End every session of a user',
    usage: 'bindery sessions:revoke --user <email>',
    async run(argv, io) {
      const email = required(parseOptions(argv, { user: { type: 'string' } }).user, 'user');
      const count = await withContainer(io, async (container) => {
        const user = await requireUser(container, email);
        return (await container.identity.sessions.revokeAll(user.id, 'revoked_by_admin', { client: null })).length;
      });
      io.out(`ended ${count} session(s) of ${email}`);
    },
  },
};

/** Turns a service error into the one line an admin needs. */
export function describeFailure(error: unknown): string {
  if (error instanceof AppError) {
    const details = error.details?.map((detail) => `${detail.field} ${detail.message}`).join('; ');
    return details ? `${error.message}: ${details}` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
