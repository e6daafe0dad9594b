/** A line that says what a long start is doing, rewritten in place, and gone when it is done. */
export interface ProgressLine {
  update: (step: string) => void
  /** Clears the line, if it was ever shown. */
  done: () => void
}

/**
 * On a terminal only: nothing is shown for a start shorter than `delayMs` (the seed specs
 * load in well under it), then the latest step at most every `everyMs`, cut to the
 * terminal's width so it never wraps.
 */
export function progressLine (write: (text: string) => void, { delayMs = 300, everyMs = 100, columns = 80 } = {}): ProgressLine {
  const started = Date.now()
  let shownAt: number | undefined
  let latest = ''
  let timer: NodeJS.Timeout | undefined
  const show = (): void => {
    shownAt = Date.now()
    write(`\r${latest.slice(0, Math.max(columns - 1, 1))}\x1b[K`)
  }
  // A step still running when its turn comes is drawn then, not only when the next one starts.
  const schedule = (): void => {
    if (timer !== undefined) return
    const wait = Math.max(started + delayMs, (shownAt ?? -Infinity) + everyMs) - Date.now()
    if (wait <= 0) return show()
    timer = setTimeout(() => { timer = undefined; show() }, wait).unref()
  }
  return {
    update: (step) => {
      latest = `understudy: ${step}`
      schedule()
    },
    done: () => {
      clearTimeout(timer)
      if (shownAt !== undefined) write('\r\x1b[K')
    }
  }
}
