/**
 * How a person runs the CLI after the README's set-up (`npm ci && npm start`): npx resolves
 * the checkout's own `warden` bin, while a bare `warden` exists only after `npm link`.
 * Every hint printed to people (server banner, CLI follow-ups) uses this, so the command
 * shown is the one that works.
 */
export const CLI_COMMAND = 'npx warden';
