import { describe, expect, it } from 'vitest';
import { Cancellation } from '../core/cancellation.js';
import { createProcessSlots } from './create-process-slots.js';

describe('createProcessSlots', () => {
  it('grants up to its size at once and the rest in order of arrival, one per release', async () => {
    const slots = createProcessSlots(2);
    const order: string[] = [];
    const first = await slots.take();
    const second = await slots.take();
    const third = slots.take().then((release) => {
      order.push('third');
      return release;
    });
    const fourth = slots.take().then((release) => {
      order.push('fourth');
      return release;
    });
    expect([slots.running, slots.waiting]).toEqual([2, 2]);
    first?.();
    await third;
    expect(order).toEqual(['third']);
    expect([slots.running, slots.waiting]).toEqual([2, 1]);
    second?.();
    (await third)?.();
    (await fourth)?.();
    expect(order).toEqual(['third', 'fourth']);
    expect([slots.running, slots.waiting]).toEqual([0, 0]);
  });

  it('frees a slot once however often its release is called', async () => {
    const slots = createProcessSlots(1);
    const release = await slots.take();
    const waiting = slots.take();
    release?.();
    release?.();
    const next = await waiting;
    expect(slots.running).toBe(1);
    const later = slots.take();
    release?.();
    expect(slots.running).toBe(1);
    next?.();
    expect(await later).toBeTypeOf('function');
  });

  it('lets a cancelled request leave the queue without a slot, and one cancelled before asking get none', async () => {
    const slots = createProcessSlots(1);
    const release = await slots.take();
    const signal = new Cancellation();
    const leaving = slots.take(signal);
    const staying = slots.take();
    signal.cancel();
    expect(await leaving).toBeUndefined();
    expect(slots.waiting).toBe(1);
    release?.();
    expect(await staying).toBeTypeOf('function');
    expect(await slots.take(signal)).toBeUndefined();
    expect(slots.running).toBe(1);
  });
});
