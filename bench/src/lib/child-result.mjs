// A measuring child's last word: one JSON line on stdout (a failure is a result too). The child then
// ends when its handles are closed; the parent (proc.mjs) ends one that lingers after its result.

/** Prints what `work` resolves to, or `{ ok: false, ...fields, error }` if it rejects. */
export function printResult(work, fields = {}) {
  work.then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
    },
    (error) => {
      process.stdout.write(
        `${JSON.stringify({ ok: false, ...fields, error: String(error?.stack ?? error).slice(0, 600) })}\n`,
      );
    },
  );
}
