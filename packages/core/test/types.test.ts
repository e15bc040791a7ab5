import type { Session } from '@sess/core';
import { describe, expectTypeOf, it } from 'vitest';

interface Visitor {
  userId: string;
  visits: number;
}

describe('typed sessions', () => {
  it('type get and set by key', () => {
    expectTypeOf<Session<Visitor>['get']>().toBeFunction();
    const s = null as unknown as Session<Visitor>;
    if (s) {
      expectTypeOf(s.get('userId')).toEqualTypeOf<string | undefined>();
      expectTypeOf(s.get('visits', 0)).toEqualTypeOf<number>();
      // @ts-expect-error: visits is a number
      s.set('visits', 'many');
      // @ts-expect-error: not a key of Visitor
      s.set('other', 1);
    }
  });

  it('widen to a plain Session (what adapters and helpers take)', () => {
    expectTypeOf<Session<Visitor>>().toExtend<Session>();
    expectTypeOf<ReturnType<Session<Visitor>['keys']>>().toEqualTypeOf<string[]>();
  });
});
