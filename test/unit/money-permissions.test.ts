/** Four eyes on money (domain/money-permissions.ts): who may decide a withdrawal or adjust a balance. */
import { mayDecideMoneyOf, mayDecideMoneyWith, moneyDecisionRefusal } from '../../domain/money-permissions';

const OPERATOR = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';
const BOT = '33333333-3333-4333-8333-333333333333';

describe('who may decide money', () => {
  it('refuses a password sign-in token (JWT) sent as a header', () => {
    expect(mayDecideMoneyWith({ via: 'jwt', viaConsole: false })).toBe('money_needs_console_or_admin_key');
  });

  it('refuses an admin person’s API key sent as a header (a sign-in token can mint one)', () => {
    expect(mayDecideMoneyWith({ via: 'api_key', viaConsole: false })).toBe(
      'money_needs_console_or_admin_key',
    );
  });

  it('accepts the admin key header', () => {
    expect(mayDecideMoneyWith({ via: 'admin_key', viaConsole: false })).toBeNull();
  });

  it('accepts a console session, however it was opened', () => {
    expect(mayDecideMoneyWith({ via: 'jwt', viaConsole: true })).toBeNull();
    expect(mayDecideMoneyWith({ via: 'api_key', viaConsole: true })).toBeNull();
  });
});

describe('whose money an operator may decide', () => {
  it('refuses the operator’s own account', () => {
    expect(mayDecideMoneyOf({ accountId: OPERATOR }, { accountId: OPERATOR, ownerId: null })).toBe(
      'own_account_money',
    );
  });

  it('refuses a bot the operator owns', () => {
    expect(mayDecideMoneyOf({ accountId: OPERATOR }, { accountId: BOT, ownerId: OPERATOR })).toBe(
      'own_account_money',
    );
  });

  it('accepts another person’s account and another person’s bot', () => {
    expect(mayDecideMoneyOf({ accountId: OPERATOR }, { accountId: OTHER, ownerId: null })).toBeNull();
    expect(mayDecideMoneyOf({ accountId: OPERATOR }, { accountId: BOT, ownerId: OTHER })).toBeNull();
  });

  it('names the credential first when both rules refuse', () => {
    expect(
      moneyDecisionRefusal(
        { accountId: OPERATOR, via: 'jwt', viaConsole: false },
        { accountId: OPERATOR, ownerId: null },
      ),
    ).toBe('money_needs_console_or_admin_key');
  });
});
