// A host app that mounts the package's plugin under a prefix, as README's example does.
import Fastify from 'fastify';
import { createServerDeps, loadConfig, progressiveProfile, type Config, type ServerDeps } from 'progressive-profile/server';

const config: Config = loadConfig(
  { AUTH0_DOMAIN: 'acme.eu.auth0.com', SESSION_TOKEN_SECRET: 'x'.repeat(32) },
  { cwd: process.cwd() },
);
const deps: ServerDeps = await createServerDeps(config);
const app = Fastify();
await app.register(progressiveProfile, { prefix: '/profile', config, deps });

// A type check only, never run (the plugin refuses it at registration too).
export function registerWithoutConfig() {
  // @ts-expect-error the plugin needs its validated configuration
  return Fastify().register(progressiveProfile, { prefix: '/x', deps });
}

const answers: Record<string, { status: number; type?: string; bytes: number }> = {};
for (const path of ['/profile/healthz', '/profile/form', '/profile/progressive-profile.js']) {
  const response = await app.inject({ method: 'GET', url: path });
  answers[path] = { status: response.statusCode, type: response.headers['content-type'] as string | undefined, bytes: response.rawPayload.length };
}
await app.close();
await deps.close();
process.stdout.write(JSON.stringify(answers));
