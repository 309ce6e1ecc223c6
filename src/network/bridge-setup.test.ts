/**
 * applyBridgeSetup with a recording `ip` that fails where told: whatever step fails (or the
 * gateway check), exactly the undos of the steps already made run, newest first; an undo that
 * fails too is reported as rollback_incomplete naming it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BridgeSetupError } from './bridge-setup-errors.js';
import { parseHostNetwork } from './bridge-setup-ip.js';
import { type BridgePlan, bridgeSteps, planBridgeSetup } from './bridge-setup-plan.js';
import { applyBridgeSetup } from './bridge-setup.js';

const TESTDATA = fileURLToPath(new URL('./testdata/bridge-setup/', import.meta.url));

function plan(name: string, nic: string): BridgePlan {
  const read = (part: string) => readFileSync(`${TESTDATA}${name}.${part}.json`, 'utf8');
  return planBridgeSetup(parseHostNetwork({ links: read('links'), addresses: read('addresses'), routes4: read('routes4'), routes6: read('routes6') }), nic, 'br0');
}

/** An `ip` that records each command line and throws on the ones `fails` picks. */
function recordingIp(fails: (line: string) => boolean) {
  const lines: string[] = [];
  const ip = async (args: string[]) => {
    const line = args.join(' ');
    lines.push(line);
    if (fails(line)) throw new Error(`RTNETLINK answers: injected failure of '${line}'`);
    return '';
  };
  return { ip, lines };
}

async function failure(work: Promise<unknown>): Promise<BridgeSetupError> {
  try {
    await work;
  } catch (err) {
    if (err instanceof BridgeSetupError) return err;
    throw err;
  }
  assert.fail('expected a BridgeSetupError');
}

const noProbe = async () => undefined;

describe('applyBridgeSetup', () => {
  for (const [name, nic] of [['lab', 'uplink'], ['server', 'enp3s0']]) {
    const p = plan(name, nic);
    const steps = bridgeSteps(p);

    it(`${name}: runs every step in order, then checks each gateway, and undoes nothing on success`, async () => {
      const { ip, lines } = recordingIp(() => false);
      const probed: string[] = [];
      await applyBridgeSetup(p, { ip, gatewayTimeoutMs: 1000, probe: async (_ip, gw, bridge) => void probed.push(`${gw.address}@${bridge}`) });
      assert.deepEqual(lines, steps.map((s) => s.run.join(' ')));
      assert.deepEqual(probed, p.gateways.map((g) => `${g.address}@br0`));
    });

    steps.forEach((failing, k) => {
      it(`${name}: a failure at step ${k + 1} (${failing.label}) undoes steps 1-${k} in reverse`, async () => {
        const { ip, lines } = recordingIp((line) => line === failing.run.join(' '));
        const err = await failure(applyBridgeSetup(p, { ip, gatewayTimeoutMs: 1000, probe: noProbe }));
        assert.equal(err.code, 'bridge_setup_failed');
        assert.match(err.message, new RegExp(`failed at "${failing.label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}".*injected failure.*Everything was rolled back`));
        const undos = steps.slice(0, k).flatMap((s) => (s.undo ? [s.undo.join(' ')] : [])).reverse();
        assert.deepEqual(lines, [...steps.slice(0, k + 1).map((s) => s.run.join(' ')), ...undos]);
      });
    });

    it(`${name}: an unreachable gateway undoes every step, newest first`, async () => {
      const { ip, lines } = recordingIp(() => false);
      const err = await failure(applyBridgeSetup(p, { ip, gatewayTimeoutMs: 1000, probe: async () => 'nobody answered' }));
      assert.equal(err.code, 'gateway_unreachable');
      assert.match(err.message, /lose its gateway: nobody answered\. Everything was rolled back/);
      const undos = steps.flatMap((s) => (s.undo ? [s.undo.join(' ')] : [])).reverse();
      assert.deepEqual(lines, [...steps.map((s) => s.run.join(' ')), ...undos]);
      assert.equal(lines.at(-1), 'link del dev br0', 'the bridge goes last, once the NIC has everything back');
    });
  }

  it('says rollback_incomplete, naming the undo that failed, when undoing fails too', async () => {
    const p = plan('lab', 'uplink');
    const { ip } = recordingIp((line) => line === '-4 route add default via 10.57.0.1 dev br0' || line === 'link set dev uplink nomaster');
    const err = await failure(applyBridgeSetup(p, { ip, gatewayTimeoutMs: 1000, probe: noProbe }));
    assert.equal(err.code, 'rollback_incomplete');
    assert.match(err.message, /failed at "add route default via 10\.57\.0\.1 metric 0 to br0".*Rolling back failed too, at: make uplink a port of br0\. .*by hand/);
  });
});
