/**
 * DepositState as plain TypeScript (no server, no worker): the watcher's hints, what one check's
 * answer decides — wait, credit, or (only when enough lookups agree) drop — and continue-as-new.
 */
import type { DepositCheck } from '../../domain/deposits';
import { DepositState, DROP_AGREEING_LOOKUPS } from '../../workflows/deposit/state';

const missing = (solidified: number): DepositCheck => ({ state: 'missing', solidified });
const pending = (confirmations: number): DepositCheck => ({ state: 'pending', confirmations });

describe('DepositState', () => {
  describe('a new deposit', () => {
    it('when it starts, then it is pending with no confirmations', () => {
      expect(new DepositState().view()).toEqual({ status: 'pending', confirmations: 0 });
    });

    it('when a run continues, then it resumes from the carried counters', () => {
      const carried = { confirmations: 5, signalledSolidified: 100, misses: 1, lastMissSolidified: 99 };
      const d = new DepositState(carried);
      expect(d.view()).toEqual({ status: 'pending', confirmations: 5 });
      expect(d.carry()).toEqual(carried);
    });
  });

  describe('the watcher', () => {
    it('when the watcher signals, then the check must see at least that solidified height', () => {
      const d = new DepositState();
      d.signalled(120);
      expect(d.signalledSolidified).toBe(120);
    });

    it('when a signal arrives after the count was taken, then a new check is due', () => {
      const d = new DepositState();
      const before = d.signals;
      expect(d.signalledSince(before)).toBe(false);
      d.signalled(120);
      expect(d.signalledSince(before)).toBe(true);
    });

    it('when the same height is signalled twice, then each signal still asks for a check', () => {
      const d = new DepositState();
      d.signalled(120);
      const before = d.signals;
      d.signalled(120);
      expect(d.signalledSince(before)).toBe(true);
    });
  });

  describe('observe', () => {
    it('when the deposit is still pending, then it waits and shows the confirmations', () => {
      const d = new DepositState();
      expect(d.observe(pending(7))).toBeNull();
      expect(d.view().confirmations).toBe(7);
    });

    it('when the deposit is solid, then that is the verdict', () => {
      const solid: DepositCheck = { state: 'solid', amount: 5_000_000, blockNumber: 42 };
      expect(new DepositState().observe(solid)).toEqual(solid);
    });

    it('when the transfer failed, then that is the verdict', () => {
      const failed: DepositCheck = { state: 'failed', reason: 'REVERT' };
      expect(new DepositState().observe(failed)).toEqual(failed);
    });

    it(`when ${DROP_AGREEING_LOOKUPS} missing answers at rising heights agree, then it is dropped`, () => {
      const d = new DepositState();
      expect(d.observe(missing(10))).toBeNull();
      expect(d.observe(missing(11))).toBeNull();
      expect(d.observe(missing(12))).toEqual({
        state: 'dropped',
        reason: 'transaction never reached the solidified chain and expired',
      });
    });

    it('when a missing answer repeats a height already seen, then it does not count', () => {
      const d = new DepositState();
      d.observe(missing(10));
      d.observe(missing(10));
      expect(d.observe(missing(9))).toBeNull();
      expect(d.misses).toBe(1);
    });

    it('when a pending answer comes between, then the agreeing missing answers start over', () => {
      const d = new DepositState();
      d.observe(missing(10));
      d.observe(missing(11));
      d.observe(pending(0));
      expect(d.observe(missing(12))).toBeNull();
      expect(d.misses).toBe(1);
    });

    it('when missing answers were carried from the previous run, then they count towards the drop', () => {
      const d = new DepositState({
        confirmations: 0,
        signalledSolidified: 0,
        misses: 2,
        lastMissSolidified: 11,
      });
      expect(d.observe(missing(12))?.state).toBe('dropped');
    });
  });

  describe('the end', () => {
    it('when the deposit was credited, then it is confirmed', () => {
      const d = new DepositState();
      expect(d.finished({ state: 'solid', amount: 1, blockNumber: 1 })).toBe('confirmed');
      expect(d.view().status).toBe('confirmed');
    });

    it('when the deposit was marked dropped or failed, then that is its status', () => {
      const dropped = new DepositState();
      expect(dropped.finished({ state: 'dropped', reason: 'gone' })).toBe('dropped');
      const failed = new DepositState();
      failed.finished({ state: 'failed', reason: 'REVERT' });
      expect(failed.view().status).toBe('failed');
    });
  });

  describe('polling before the watcher signalled', () => {
    it('when one confirmation is missing, then it is in the last block', () => {
      const d = new DepositState();
      d.observe(pending(18));
      expect(d.inLastBlock(19)).toBe(true);
    });

    it('when more are missing, then it is not', () => {
      const d = new DepositState();
      d.observe(pending(17));
      expect(d.inLastBlock(19)).toBe(false);
    });
  });

  describe('carry', () => {
    it('when it continues as new, then the counters go to the next run', () => {
      const d = new DepositState();
      d.signalled(200);
      d.observe(pending(3));
      d.observe(missing(199));
      expect(d.carry()).toEqual({
        confirmations: 3,
        signalledSolidified: 200,
        misses: 1,
        lastMissSolidified: 199,
      });
    });
  });
});
