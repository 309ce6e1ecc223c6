/** The English texts of migrating an instance and evacuating a host, spread into the English catalogue; migration-zh-cn.ts has the same shape. */

export const migrationEn = {
  migrate: {
    button: 'Migrate…',
    title: (name: string) => `Migrate ${name}`,
    hint: 'Moves the instance to another host of its pool. Stopped: disks on shared storage stay where they are, local disk files are copied; the instance stays where it is until the copy is complete.',
    host: 'Target host',
    choose: 'Choose a host',
    why: {
      current: 'its current host',
    },
    unfit: (host: string, why: string) => `${host} — ${why}`,
    /** One of the scheduler's reasons for refusing a host, as the API words it. */
    reason: (reason: string) => reason,
    reasonSeparator: '; ',
    checking: 'Checking which hosts can take it…',
    live: 'Live migration (keep it running)',
    liveHint: 'The instance is running: it moves only with live migration; otherwise stop it first.',
    submit: 'Migrate',
    unavailable: 'Only a stopped or running instance can be migrated.',
    noHosts: 'No other host of this pool can take it.',
    task: (name: string, host: string) => `Migrate ${name} to ${host}`,
  },
  evacuate: {
    button: 'Evacuate…',
    title: (host: string) => `Evacuate ${host}?`,
    message: (host: string, count: number) =>
      `Scheduling on ${host} is switched off first, then its ${count === 1 ? 'instance moves' : `${count} instances move`} to other hosts of the pool, one at a time: stopped ones cold, running ones live. One that cannot move reports its own error and the others go on.`,
    confirm: 'Evacuate',
    task: (host: string) => `Evacuate ${host}`,
  },
};
