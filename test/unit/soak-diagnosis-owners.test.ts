import { candidateIds } from '../../bench/soak-diagnose';

const ID = '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';

describe('the soak diagnosis names the workflow that owns a lost lifecycle', () => {
  it('reads a service order escrow line (ledger subject) as the order workflow', () => {
    expect(candidateIds([`service_order:${ID} still holds 2000000`])).toEqual([`service-order-${ID}`]);
  });

  it('reads an order still delivered as the order workflow, not a webhook delivery', () => {
    expect(candidateIds([`service order ${ID} still delivered review window passed`])).toEqual([
      `service-order-${ID}`,
    ]);
  });

  it('reads an unsettled webhook delivery as its delivery workflow', () => {
    expect(candidateIds([`delivery ${ID} pending at attempt 0`])).toEqual([`webhook-${ID}`]);
  });

  it('reads rental, task and withdrawal holds as their own workflows', () => {
    expect(
      candidateIds([
        `rental:${ID} still holds 1`,
        `task:${ID} still holds 1`,
        `withdrawal:${ID} still holds 1`,
      ]),
    ).toEqual([`rental-${ID}`, `task-${ID}`, `withdrawal-${ID}`]);
  });
});
