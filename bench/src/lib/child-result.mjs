// A measuring child's last word: one JSON line on stdout, then exit 0 (a failure is a result too).

/** Prints what `work` resolves to, or `{ ok: false, ...fields, error }` if it rejects; then exits. */
export function printResult(work, fields = {}) {
  work.then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (error) => {
      process.stdout.write(
        `${JSON.stringify({ ok: false, ...fields, error: String(error?.stack ?? error).slice(0, 600) })}\n`,
      );
      process.exit(0);
    },
  );
}
