import type { Session } from '@sess/core';
import { describe, expectTypeOf, it } from 'vitest';

// A type alias (not an interface): only aliases are assignable to Record<string, unknown>, which widening needs.
type Visitor = {
  userId: string;
  visits: number;
};
interface Profile {
  name: string;
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

  it('accept interfaces for typed access', () => {
    const s = null as unknown as Session<Profile>;
    if (s) expectTypeOf(s.get('name')).toEqualTypeOf<string | undefined>();
  });

  it('widen to a plain Session (what adapters and helpers take)', () => {
    const widen = (typed: Session<Visitor>): Session => typed;
    expectTypeOf(widen).returns.toEqualTypeOf<Session>();
    expectTypeOf<ReturnType<Session<Visitor>['keys']>>().toEqualTypeOf<string[]>();
  });
});
