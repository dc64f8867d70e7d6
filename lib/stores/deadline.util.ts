/** The errors `raceDeadline` throws: one for a command past its deadline, one for a command that failed. */
export interface DeadlineErrors {
  timedOut(): Error;
  failed(error: unknown): Error;
}

/**
 * Runs one store command with a deadline: past `timeoutMs` it rejects with `errors.timedOut()`, and a
 * failure (thrown or rejected) becomes `errors.failed(error)`. The command is not cancelled; its late
 * outcome is ignored.
 */
export async function raceDeadline<T>(
  timeoutMs: number,
  command: () => Promise<T>,
  errors: DeadlineErrors,
): Promise<T> {
  let pending: Promise<T>;
  try {
    pending = command();
  } catch (error) {
    throw errors.failed(error);
  }
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(errors.timedOut()), timeoutMs);
  });
  const settled = pending.then(
    (value) => value,
    (error: unknown) => {
      throw errors.failed(error);
    },
  );
  // After a timeout the command may still fail; that late rejection is expected and must not go unhandled.
  settled.catch(() => undefined);
  try {
    return await Promise.race([settled, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
