// A real OpenID Connect provider (the certified `oidc-provider` package) for the SSO
// end-to-end tests. One process plays one identity provider:
//
//   --profile surfconext  claims at the userinfo endpoint only (as SURFconext releases them)
//   --profile entra       claims in the ID token, issuer https://<host>/<tenant>/v2.0 (as Entra)
//
// The test decides who logs in and with which claims: it posts them to the login
// interaction. A flag per account makes the token endpoint hand out a tampered or an
// expired ID token, so the tests prove that the relying party refuses them.
// Prints "READY <port>" on stdout once it listens.
import http from 'node:http';
import { parseArgs } from 'node:util';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    profile: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    'public-host': { type: 'string', default: 'localhost' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    tenant: { type: 'string', default: '' },
  },
});

const PROFILES = {
  surfconext: {
    mount: '',
    // SURFconext releases attributes by the service's attribute release policy, at userinfo.
    claims: {
      openid: ['sub', 'schac_home_organization', 'eduperson_affiliation',
        'edu_person_affiliations', 'eduperson_entitlement'],
      profile: ['name', 'given_name', 'family_name'],
      email: ['email', 'email_verified'],
    },
    conformIdTokenClaims: true,
  },
  entra: {
    mount: `/${args.tenant}/v2.0`,
    claims: {
      openid: ['sub', 'oid', 'tid'],
      profile: ['name', 'preferred_username', 'groups'],
      email: ['email'],
    },
    // Entra puts the profile in the ID token; the relying party reads it from there.
    conformIdTokenClaims: false,
  },
};
const profile = PROFILES[args.profile];
if (!profile) throw new Error(`unknown --profile ${args.profile}`);

const accounts = new Map(); // account id -> { claims, idToken: 'valid' | 'tampered' | 'expired' }
let lastAuthorization = null;

const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await jose.exportJWK(privateKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };

function readForm(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => resolve(Object.fromEntries(new URLSearchParams(body))));
    req.on('error', reject);
  });
}

async function spoilIdToken(idToken) {
  const claims = jose.decodeJwt(idToken);
  const mode = accounts.get(claims.sub)?.idToken ?? 'valid';
  if (mode === 'tampered') {
    // Claims changed after signing: the signature no longer matches.
    const [header, , signature] = idToken.split('.');
    const forged = { ...claims, name: 'Mallory', tid: args.tenant || claims.tid };
    return [header, Buffer.from(JSON.stringify(forged)).toString('base64url'), signature].join('.');
  }
  if (mode === 'expired') {
    // Correctly signed by the provider's own key, but its lifetime ended an hour ago.
    const now = Math.floor(Date.now() / 1000);
    return new jose.SignJWT({ ...claims, iat: now - 7200, exp: now - 3600 })
      .setProtectedHeader({ alg: 'RS256', kid: signingJwk.kid, typ: 'JWT' })
      .sign(privateKey);
  }
  return idToken;
}

function makeProvider(issuer) {
  const cookiePrefix = `_${args.profile}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: args['client-id'],
      client_secret: args['client-secret'],
      redirect_uris: args['redirect-uri'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    }],
    jwks: { keys: [signingJwk] },
    claims: profile.claims,
    conformIdTokenClaims: profile.conformIdTokenClaims,
    // Every client must send a PKCE challenge, not only public ones.
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    cookies: {
      names: {
        session: `${cookiePrefix}_session`,
        interaction: `${cookiePrefix}_interaction`,
        resume: `${cookiePrefix}_interaction_resume`,
      },
      keys: ['test-cookie-signing-key'],
    },
    interactions: { url: (ctx, interaction) => `${profile.mount}/interaction/${interaction.uid}` },
    // No consent screen: the test user agrees to whatever the relying party asks.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope(ctx.oidc.params.scope);
      await grant.save();
      return grant;
    },
    async findAccount(ctx, id) {
      const account = accounts.get(id);
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...account.claims }) };
    },
  });
  provider.use(async (ctx, next) => {
    if (ctx.method === 'GET' && ctx.path === '/auth') {
      lastAuthorization = { ...ctx.query };
    }
    if (ctx.method === 'GET' && ctx.path === '/_test/last-authorization') {
      ctx.body = lastAuthorization;
      return;
    }
    const match = ctx.path.match(/^\/interaction\/([^/]+)(\/login)?$/);
    if (match && ctx.method === 'GET' && !match[2]) {
      ctx.type = 'html';
      ctx.body = `<form method="post" action="${profile.mount}/interaction/${match[1]}/login">`
        + '<label>account <input name="account"></label><button>Sign in</button></form>';
      return;
    }
    if (match && ctx.method === 'POST' && match[2]) {
      const form = await readForm(ctx.req);
      accounts.set(form.account, {
        claims: JSON.parse(form.claims || '{}'),
        idToken: form.id_token || 'valid',
      });
      const redirectTo = await provider.interactionResult(
        ctx.req, ctx.res, { login: { accountId: form.account } },
        { mergeWithLastSubmission: false },
      );
      ctx.redirect(redirectTo);
      return;
    }
    await next();
    if (ctx.method === 'POST' && ctx.path === '/token' && ctx.body?.id_token) {
      ctx.body = { ...ctx.body, id_token: await spoilIdToken(ctx.body.id_token) };
    }
  });
  return provider;
}

let callback;
const server = http.createServer((req, res) => {
  if (profile.mount) {
    if (!req.url.startsWith(`${profile.mount}/`)) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    // What express does when mounting: the provider derives its URLs from originalUrl.
    req.originalUrl = req.url;
    req.url = req.url.slice(profile.mount.length);
  }
  callback(req, res);
});
server.listen(Number(args.port), args.host, () => {
  const { port } = server.address();
  const provider = makeProvider(`http://${args['public-host']}:${port}${profile.mount}`);
  callback = provider.callback();
  process.stdout.write(`READY ${port}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
