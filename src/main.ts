/** The onebox command line: `serve`, `doctor`, `network`, `version`, and the client commands (login, instances, …). One executable, every role. */
import { REMOTE_COMMANDS, remoteUsage, runRemote } from './cli/remote/run.js';
import { SERVE_USAGE, parseServeConfig } from './config.js';
import { VERSION, versionLine } from './version.js';

// Each command loads its own modules (below), so `version` and `doctor` do not pay for the server.

const USAGE = `onebox ${VERSION}: a private cloud of virtual machines in one executable.

Usage:
  onebox serve [options]    run the server (API, UI, host agent); --help for options
  onebox doctor [--fix]     check this host's packages, libvirtd and KVM; --fix installs what is missing
  onebox network bridge-setup --nic NIC [--bridge br0] [--yes]
                            move the NIC's addresses and routes to a new bridge for bridged guests
                            (shows what it would do without --yes; undoes it all if the gateway is lost)
  onebox join https://<controller>:5870 --token T --fingerprint SHA256:…
                            join this server to a controller as a host (agent role only); --help for options
  onebox agent [--data-dir DIR]
                            start this joined host's agent again (no token needed)
  onebox version            print the version and the Node runtime inside the executable

Client commands (talk to a onebox server; 'onebox COMMAND --help' for each):
${remoteUsage()}
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      if (rest.includes('--help') || rest.includes('-h')) {
        console.log(SERVE_USAGE);
        return 0;
      }
      await (await import('./cli/serve.js')).runServe(parseServeConfig(rest));
      return 0;
    case 'doctor':
      return (await import('./cli/doctor.js')).runDoctor(rest);
    case 'network':
      return (await import('./cli/network.js')).runNetwork(rest);
    case 'join':
    case 'agent': {
      const join = await import('./cli/join.js');
      if (rest.includes('--help') || rest.includes('-h')) {
        console.log(join.JOIN_USAGE);
        return 0;
      }
      return command === 'join' ? join.runJoin(rest) : join.runAgent(rest);
    }
    case 'version':
    case '--version':
      console.log(versionLine());
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    case '__names':
      return (await import('./cli/remote/names.js')).printNames(rest[0]);
    default:
      if (REMOTE_COMMANDS.has(command)) return runRemote(argv);
      console.error(`onebox: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

// Inside a single executable every argv element after the binary belongs to us.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`onebox: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
