// Test-only OpenID Connect provider (panva/node-oidc-provider) for tests/review/test_oidc.py.
// One confidential client, accounts with a groups claim, the library's development login
// form (any password), consent skipped. Prints "listening <issuer>" when it is up.
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;
const groups = {
  jdoe: ['review-investigators', 'payroll'],
  sboss: ['review-investigators', 'review-supervisors'],
  visitor: ['payroll'],
};

const configuration = {
  clients: [{
    client_id: process.env.OIDC_CLIENT_ID,
    client_secret: process.env.OIDC_CLIENT_SECRET,
    redirect_uris: process.env.OIDC_REDIRECT_URIS.split(','),
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  claims: {
    openid: ['sub'],
    profile: ['preferred_username', 'name'],
    email: ['email', 'email_verified'],
    groups: ['groups'],
  },
  // The role claims travel in the ID token, as Okta's and Entra ID's do when configured so.
  conformIdTokenClaims: false,
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: `sub-${id}`, preferred_username: id, name: id, email: `${id}@agency.example`,
          email_verified: true, groups: groups[id] ?? [],
        };
      },
    };
  },
  // First-party client: every scope and claim granted without a consent page.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid profile email groups');
    await grant.save();
    return grant;
  },
  pkce: { required: () => true, methods: ['S256'] },
  cookies: { keys: ['claimscreen-test-cookie-key'] },
  features: { devInteractions: { enabled: true } },
};

const provider = new Provider(issuer, configuration);
provider.listen(port, '127.0.0.1', () => console.log(`listening ${issuer}`));
