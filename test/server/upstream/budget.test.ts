import { describe, expect, it } from 'vitest';
import { ANSWER_MARGIN_MS, ANSWER_WITHIN_MS, DEFAULT_STORE_OPERATION_MS, startRequestBudget } from '../../../server/upstream/budget.js';
import { frozenClock } from '../support/fixtures.js';

describe('startRequestBudget', () => {
  it('gives the upstream work MANAGEMENT_API_TIMEOUT from the request arrival when that fits in the 15 s', () => {
    const clock = frozenClock();
    const budget = startRequestBudget({ upstreamSeconds: 10, storeOperationMs: 2_000, clock });
    expect(budget.deadline - clock.now()).toBe(10_000);
  });

  it("keeps the margin and the store's worst case for one operation free at the end of the 15 s", () => {
    const clock = frozenClock();
    expect(startRequestBudget({ upstreamSeconds: 15, storeOperationMs: 2_000, clock }).deadline - clock.now()).toBe(
      ANSWER_WITHIN_MS - ANSWER_MARGIN_MS - 2_000,
    );
    expect(startRequestBudget({ upstreamSeconds: 15, storeOperationMs: 0, clock }).deadline - clock.now()).toBe(ANSWER_WITHIN_MS - ANSWER_MARGIN_MS);
    expect(startRequestBudget({ upstreamSeconds: 15, clock }).deadline - clock.now()).toBe(
      ANSWER_WITHIN_MS - ANSWER_MARGIN_MS - DEFAULT_STORE_OPERATION_MS,
    );
  });

  it('counts from the arrival: time spent before the upstream work (a slow store) comes out of it', async () => {
    const clock = frozenClock();
    const budget = startRequestBudget({ upstreamSeconds: 1, storeOperationMs: 0, clock });
    clock.advance(0.4);
    const seen = await budget.runUpstream(async ({ deadline }) => deadline - clock.now());
    expect(seen).toBe(600);
  });

  it('answers upstream_timeout at the deadline even when the work ignores its signal, and aborts the signal', async () => {
    const budget = startRequestBudget({ upstreamSeconds: 0.05, storeOperationMs: 0, clock: { now: () => Date.now() } });
    let signal: AbortSignal | undefined;
    const error = await budget
      .runUpstream(async (upstream) => {
        signal = upstream.signal;
        await new Promise(() => {});
      })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'upstream_timeout', statusCode: 504 });
    expect(signal?.aborted).toBe(true);
  });

  it('answers upstream_timeout at once when the budget is already spent', async () => {
    const clock = frozenClock();
    const budget = startRequestBudget({ upstreamSeconds: 1, storeOperationMs: 0, clock });
    clock.advance(2);
    let hasRun = false;
    await expect(budget.runUpstream(async () => void (hasRun = true))).rejects.toMatchObject({ code: 'upstream_timeout' });
    expect(hasRun).toBe(false);
  });
});
