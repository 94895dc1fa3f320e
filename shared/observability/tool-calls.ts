/**
 * One structured record per tool call (tool, outcome, latency, call id), written as one JSON line to
 * the function's log and handed to whatever else observes calls (metrics).
 */

export interface ToolCallRecord {
  tool: string;
  /** One word: "booked", "taken", "available", "bad-arguments", "calendar-unavailable", ... */
  outcome: string;
  /** Whether the answer went back as `result` (true) or `error` (false). */
  ok: boolean;
  latencyMs: number;
  callId: string | null;
  toolCallId: string;
  calendar?: string | undefined;
  /** Epoch ms when the call arrived. */
  at: number;
  /** Set when an unexpected error was turned into an apology. */
  error?: string | undefined;
}

export type ToolCallObserver = (record: ToolCallRecord) => void;

/**
 * @example
 * const observe = jsonLineLog(); observe(record); // {"level":"info","msg":"tool call","tool":"book_appointment",...}
 */
export function jsonLineLog(write: (line: string) => void = (line) => console.log(line)): ToolCallObserver {
  return (record) => {
    write(JSON.stringify({ level: record.error ? "error" : "info", msg: "tool call", time: new Date(record.at).toISOString(), ...record }));
  };
}

/** Several observers as one; one failing observer never breaks the others or the call. */
export function observers(...list: (ToolCallObserver | undefined)[]): ToolCallObserver {
  const present = list.filter((o): o is ToolCallObserver => o !== undefined);
  return (record) => {
    for (const observe of present) {
      try {
        observe(record);
      } catch {
        // Observation is best effort.
      }
    }
  };
}
