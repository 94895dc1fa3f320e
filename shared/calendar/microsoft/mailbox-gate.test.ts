import { describe, expect, it } from "vitest";
import { CalendarError } from "../errors.ts";
import { mailboxGate } from "./mailbox-gate.ts";

/** A piece of work that runs until `finish()` is called, recording how many ran at once. */
function works(count: number) {
  let running = 0;
  let most = 0;
  const finishers: (() => void)[] = [];
  const started: number[] = [];
  const make = (i: number) => () =>
    new Promise<number>((resolve) => {
      running++;
      most = Math.max(most, running);
      started.push(i);
      finishers[i] = () => {
        running--;
        resolve(i);
      };
    });
  return { make, finish: (i: number) => finishers[i]?.(), most: () => most, started, count };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("mailboxGate", () => {
  it("keeps one mailbox's work within the limit, first come first served, and other mailboxes apart", async () => {
    const gate = mailboxGate(2, Date.now);
    const shop = works(5);
    const other = works(1);
    const done = Array.from({ length: 5 }, (_, i) => gate.run("shop", Date.now() + 5000, shop.make(i)));
    const elsewhere = gate.run("other", Date.now() + 5000, other.make(0));
    await tick();
    expect(shop.started).toEqual([0, 1]);
    expect(other.started).toEqual([0]);
    shop.finish(1);
    await tick();
    expect(shop.started).toEqual([0, 1, 2]);
    for (const i of [0, 2, 3, 4]) {
      shop.finish(i);
      await tick();
    }
    other.finish(0);
    expect(await Promise.all(done)).toEqual([0, 1, 2, 3, 4]);
    expect(await elsewhere).toBe(0);
    expect(shop.most()).toBe(2);
  });

  it("gives up waiting at the caller's deadline, and the place goes to the next one still waiting", async () => {
    const gate = mailboxGate(1, Date.now);
    const shop = works(3);
    const first = gate.run("shop", Date.now() + 5000, shop.make(0));
    const impatient = gate.run("shop", Date.now() + 20, shop.make(1));
    const patient = gate.run("shop", Date.now() + 5000, shop.make(2));
    await expect(impatient).rejects.toMatchObject({ kind: "deadline" });
    await expect(impatient).rejects.toBeInstanceOf(CalendarError);
    shop.finish(0);
    await tick();
    expect(shop.started).toEqual([0, 2]);
    shop.finish(2);
    expect(await first).toBe(0);
    expect(await patient).toBe(2);
  });

  it("lets work without a mailbox (subscriptions) through at once", async () => {
    const gate = mailboxGate(1, Date.now);
    expect(await gate.run(undefined, Date.now() + 10, async () => "at once")).toBe("at once");
  });
});
