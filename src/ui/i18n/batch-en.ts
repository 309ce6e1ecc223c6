/**
 * The English texts of batches (selection toolbar, per-item results, count in the create
 * dialog) and of QoS (instance page, edit dialog), spread into the English catalogue;
 * batch-zh-cn.ts has the same shape.
 */

export const batchEn = {
  batch: {
    select: (name: string) => `Select ${name}`,
    selectAll: 'Select all shown',
    selected: (n: number) => `${n} selected`,
    clear: 'Clear selection',
    toolbar: 'Selected instances',
    confirmForceStop: (n: number) => `Force stop ${n} instances?`,
    confirmForceStopMessage: 'Like pulling the power plug: unsaved data in the guests may be lost.',
    confirmDelete: (n: number) => `Delete ${n} instances?`,
    confirmDeleteMessage: (names: string) => `This powers off and deletes ${names} with their disks. It cannot be undone.`,
    results: 'Batch results',
    progress: (done: number, total: number) => `${done} of ${total} done`,
    summary: (ok: number, failed: number) => `${ok} succeeded, ${failed} failed`,
    item: 'Instance',
    itemState: 'Result',
    states: { queued: 'Waiting', running: 'Running', succeeded: 'Done', failed: 'Failed' } as Record<string, string>,
    dismiss: 'Dismiss',
    count: 'Count',
    countHint: 'More than 1: the name is a prefix and the instances are named prefix-1, prefix-2, …',
    namePrefix: 'Name prefix',
    task: (n: number, prefix: string) => `Create ${n} instances ${prefix}-1 … ${prefix}-${n}`,
    countTooBig: (max: number) => `At most ${max} at once.`,
  },
  qos: {
    title: 'QoS',
    cpuPriority: 'CPU priority',
    priorities: { high: 'high', medium: 'medium', low: 'low' } as Record<string, string>,
    diskRead: 'Disk read (MiB/s)',
    diskWrite: 'Disk write (MiB/s)',
    readIops: 'Disk read (IOPS)',
    writeIops: 'Disk write (IOPS)',
    netIn: 'Network in (KiB/s)',
    netOut: 'Network out (KiB/s)',
    noLimit: 'no limit',
    hint: 'Empty: no limit. A running instance gets the change at once.',
    line: (priority: string, limits: string[]) => `CPU priority ${priority}${limits.length ? ` · ${limits.join(' · ')}` : ' · no limits'}`,
    diskReadLimit: (v: string) => `disk read ${v}`,
    diskWriteLimit: (v: string) => `disk write ${v}`,
    readIopsLimit: (n: number) => `${n} read IOPS`,
    writeIopsLimit: (n: number) => `${n} write IOPS`,
    netInLimit: (n: number) => `in ${n} KiB/s`,
    netOutLimit: (n: number) => `out ${n} KiB/s`,
  },
};
