/**
 * The Chinese texts of the network pages (same shape as networks-en.ts), and Chinese for what
 * the server says about networks: the sentences of the ranges check and the refusals by code.
 */
import type { ProblemTranslation } from './en.js';
import type { networksEn } from './networks-en.js';

/** One sentence of the ranges check (src/shared/networks.ts checkAddressPool) in Chinese; unknown ones stay as they are. */
function rangeSentence(s: string): string {
  const rules: [RegExp, string][] = [
    [/^All ranges must be in one subnet with the gateway; they give prefixes (.+)\.$/, '所有范围必须与网关位于同一子网；现在的前缀有 $1。'],
    [/^The gateway (\S+) is outside the network's subnet\.$/, '网关 $1 不在该网络的子网内。'],
    [/^The range (\S+) starts after it ends\.$/, '范围 $1 的起始地址大于结束地址。'],
    [/^The range (\S+) is outside the gateway's subnet (\S+)\.$/, '范围 $1 不在网关的子网 $2 内。'],
    [/^The range (\S+) is outside the network's subnet\.$/, '范围 $1 不在该网络的子网内。'],
    [/^The gateway (\S+) lies inside the range (\S+)\.$/, '网关 $1 位于范围 $2 之内。'],
    [/^The ranges (\S+) and (\S+) overlap\.$/, '范围 $1 与 $2 重叠。'],
    [/^The range (\S+) overlaps a range of address pool '(.+)' on the same network\.$/, '范围 $1 与同一网络上地址池“$2”的范围重叠。'],
    [/^Use (\S+)\.$/, '请使用 $1。'],
    [/^On the NAT network '(.+)' the gateway is the host, (\S+)\.$/, '在 NAT 网络“$1”上，网关就是主机 $2。'],
  ];
  for (const [re, zh] of rules) if (re.test(s)) return s.replace(re, zh);
  return s;
}

/** The check's sentences (one or several, as the API joins them) in Chinese. */
const rangeProblems = (message: string) => message.split(/(?<=\.) (?=The |All |Use )/).map(rangeSentence).join('');

/** "1 NIC, 2 address pools and 0 compute pools" → the three numbers. */
const counts = (detail: string) => /by (\d+) NICs?, (\d+) address pools? and (\d+) compute pools?/.exec(detail);

export const networksZhCN: typeof networksEn = {
  networks: {
    sub: '虚拟机接入的网络：拥有独立子网的私有 NAT 网络，或接到局域网的网桥。',
    newNetwork: '新建网络',
    search: '搜索网络',
    empty: '还没有网络。没有网络时，新实例不会有网卡。',
    name: '名称',
    namePlaceholder: 'lan',
    kind: '类型',
    kindNat: 'NAT',
    kindBridged: '桥接',
    bridge: '网桥',
    subnet: '子网',
    gateway: '网关',
    state: '各主机上的状态',
    active: '运行中',
    inactive: '未启用',
    noHosts: '没有已接入的主机。',
    created: '创建时间',
    details: '详情',
    notFound: (id) => `不存在 ID 为 ${id} 的网络。`,
    title: (name) => `网络 ${name}`,
    poolsTitle: '此网络上的地址池',
    noPoolsNat: '没有地址池：虚拟机从网络自带的 DHCP 范围获取地址。',
    noPoolsBridged: '没有地址池：虚拟机从局域网的 DHCP 获取地址。',
    managePools: '地址池',
    leases: 'DHCP 租约',
    noLeases: '尚未分配租约。',
    leaseAddress: '地址',
    leaseMac: 'MAC',
    leaseInstance: '实例',
    leaseExpires: '到期时间',
    leaseNever: '永不',
    deleteTitle: (name) => `删除网络 ${name}？`,
    deleteMessage: '各主机会停用此网络。仍有网卡、地址池或资源池使用它时，服务器会拒绝。',
    createTitle: '新建网络',
    createNat: 'NAT：独立子网的私有网络，带 DHCP，经主机上行链路做地址伪装',
    createBridged: '桥接：虚拟机经已有的 Linux 网桥接入局域网',
    createSubnet: '子网（可选）',
    createSubnetPlaceholder: '10.42.0.0/24',
    createSubnetHint: '留空则由 onebox 选择一个与所有主机路由都不冲突的空闲 /24。',
    createBridgeHint: '每台主机上都已存在的网桥；onebox 不会修改它。可在主机页面用“创建网桥”来创建。',
  },
  addressPools: {
    sub: 'onebox 分配给网络上网卡的地址：保留的 DHCP 租约，或经 cloud-init 写入的静态配置。',
    newPool: '新建地址池',
    search: '搜索地址池',
    empty: '还没有地址池。',
    emptyNoNetwork: '还没有地址池。地址池属于某个网络：请先创建网络。',
    name: '名称',
    namePlaceholder: 'lan-pool',
    network: '网络',
    mode: '模式',
    modeDhcp: 'DHCP',
    modeStatic: '静态',
    modeDhcpLong: 'DHCP：onebox 为每块网卡保留它的地址',
    modeStaticLong: '静态：地址写入虚拟机的 cloud-init 网络配置',
    gateway: '网关',
    gatewayPlaceholder: '192.168.1.1',
    natGatewayHint: (gateway) => `在 NAT 网络上，网关就是主机：${gateway}。`,
    dns: 'DNS 服务器',
    dnsField: 'DNS 服务器，用逗号分隔（可选）',
    dnsPlaceholder: '192.168.1.1, 9.9.9.9',
    ranges: '地址范围',
    rangeStart: '起始',
    rangeEnd: '结束',
    rangePrefix: '前缀',
    rangeStartPlaceholder: '192.168.1.100',
    rangeEndPlaceholder: '192.168.1.199',
    addRange: '添加范围',
    removeRange: (n) => `移除第 ${n} 个范围`,
    rangeText: (start, end, prefix) => `${start}–${end} /${prefix}`,
    usage: '使用情况',
    usageDetail: (allocated, size) => `已分配 ${allocated} / ${size} 个地址`,
    details: '详情',
    created: '创建时间',
    notFound: (id) => `不存在 ID 为 ${id} 的地址池。`,
    title: (name) => `地址池 ${name}`,
    allocations: '已分配的地址',
    noAllocations: '尚未分配地址。',
    address: '地址',
    mac: 'MAC',
    instance: '实例',
    edit: '编辑范围和 DNS',
    editTitle: (name) => `编辑地址池 ${name}`,
    editHint: (gateway) => `网关保持为 ${gateway}。含有已分配地址的范围不能移除。`,
    deleteTitle: (name) => `删除地址池 ${name}？`,
    deleteMessage: '地址池会被删除；其所在网络保留。',
    deleteAllocated: (n) => `它还有 ${n} 个已分配的地址：在这些实例或网卡删除之前，服务器会拒绝。`,
    createTitle: '新建地址池',
    noNetwork: '地址池属于某个网络：请先创建网络。',
    problem: rangeProblems,
  },
  poolNetwork: {
    title: '网络',
    column: '网络',
    intro: '此资源池的新实例会在该网络上获得一块网卡，地址来自所选地址池。',
    network: '新实例的网络',
    addressPool: '地址池',
    noNetwork: '无网络（不加网卡）',
    noAddressPool: '无（地址由 onebox 之外的 DHCP 分配）',
    none: '无',
    hintPool: '每个新实例获得地址池中下一个空闲地址（或指定的固定地址）。',
    hintNoPool: '虚拟机从网络自身的 DHCP 获取地址（NAT 网络的地址范围，或局域网）。',
    hintNone: '除非在创建对话框中指定，新实例不会有网卡。',
    saved: '已保存。此资源池的新实例将使用该设置。',
  },
  nics: {
    title: '网卡',
    position: '#',
    network: '网络',
    mac: 'MAC 地址',
    address: '已分配地址',
    noAddress: '无（DHCP）',
    none: '没有网卡。',
    add: '添加网卡',
    addTitle: (name) => `为 ${name} 添加网卡`,
    addAddressHint: '来自资源池在该网络上的地址池；留空则使用下一个空闲地址。',
    remove: '移除',
    removeTitle: (mac) => `移除网卡 ${mac}？`,
    removeMessage: '该网卡将从实例中移除。',
    removeMessageAddress: (address) => `该网卡将从实例中移除，其地址 ${address} 会被释放。`,
    locked: (state) => `请先停止实例再添加或移除网卡（当前${state}）。`,
    poolNetwork: (name) => `资源池的网络（${name}）`,
    poolNoNetwork: '资源池的网络（未设置：不加网卡）',
    noNetwork: '无网络',
    fixedAddress: '固定地址（可选）',
    addressPlaceholder: '下一个空闲地址',
    addressFrom: (pool) => `来自地址池 ${pool}；留空则使用下一个空闲地址。`,
    noAddressPool: '资源池在此网络上没有地址池：虚拟机从网络获取 DHCP 地址。',
    macHint: '留空则由 onebox 生成（52:54:00:…）。',
    macPlaceholder: '52:54:00:12:34:56',
    guestTitle: '虚拟机内的地址',
    guestNotRunning: '实例运行时显示。',
    guestNone: '虚拟机尚未报告地址。',
    fromAgent: '由虚拟机的 QEMU 客户机代理报告。',
    fromLeases: '来自 DHCP 租约：没有客户机代理应答（静态地址无法这样看到）。',
  },
  bridge: {
    interfacesTitle: '网络接口',
    interfacesHint: '此主机的网络接口。桥接网络需要一个网桥接管某块网卡，虚拟机随后接入该网卡所在的局域网。',
    ifName: '名称',
    ifKind: '类型',
    ifState: '链路',
    ifAddresses: '地址',
    ifMaster: '网桥',
    kinds: { ethernet: '以太网', bridge: '网桥', loopback: '回环', other: '其他' },
    up: '已连接',
    down: '未连接',
    portOf: (bridge) => `${bridge} 的端口`,
    defaultRoute: '默认路由',
    button: '创建网桥',
    title: '为桥接网络创建网桥',
    intro: '网桥接管网卡的地址和路由（包括默认路由），网卡成为网桥的端口。若某一步失败或网关不再应答，所有更改都会回滚。此更改在下次启动前有效：如需保留，请在主机的网络配置中写明该网桥。',
    noNic: '没有可桥接的空闲以太网网卡（每块都已是某个网桥的端口）。',
    nic: '网卡',
    nicOption: (name, addresses, defaultRoute) => `${name}${addresses ? `（${addresses}）` : ''}${defaultRoute ? ' — 默认路由' : ''}`,
    bridgeName: '网桥名称',
    showPlan: '查看计划',
    planTitle: '将执行以下操作（尚未做任何更改）：',
    confirm: (nic, bridge) => `我了解 ${nic} 的地址和路由会移到 ${bridge} 上；创建网桥。`,
    apply: '创建网桥',
    applied: (bridge) => `网桥 ${bridge} 已创建。已执行的操作：`,
  },
};

/** Sentences of the network schemas that the server and the forms produce at run time. */
export const networkSentencesZhCN: Record<string, string> = {
  'The range start must be an IPv4 address like 192.168.1.10.': '起始地址必须是 IPv4 地址，如 192.168.1.10。',
  'The range end must be an IPv4 address like 192.168.1.10.': '结束地址必须是 IPv4 地址，如 192.168.1.10。',
  'The gateway must be an IPv4 address like 192.168.1.10.': '网关必须是 IPv4 地址，如 192.168.1.10。',
  'A DNS server must be an IPv4 address like 192.168.1.10.': 'DNS 服务器必须是 IPv4 地址，如 192.168.1.10。',
  'The address must be an IPv4 address like 192.168.1.10.': '地址必须是 IPv4 地址，如 192.168.1.10。',
  'A NIC name has 1-15 letters, digits, ".", "_", ":", "@" or "-".': '网卡名称为 1-15 个字母、数字、"."、"_"、":"、"@" 或 "-"。',
};

const q1 = (q: string[], f: (a: string) => string) => (q[0] !== undefined ? f(q[0]) : undefined);

/** Refusals about networks, address pools, NICs and bridge setup, by code. */
export const networkApiErrorsZhCN: Record<string, ProblemTranslation | undefined> = {
  network_not_found: (q) => q1(q, (a) => `不存在 ID 或名称为“${a}”的网络。`),
  address_pool_not_found: (q) => q1(q, (a) => `不存在 ID 或名称为“${a}”的地址池。`),
  nic_not_found: (q) => q1(q, (a) => `不存在网卡或网络接口“${a}”。`),
  network_name_taken: (q) => q1(q, (a) => `已有名为“${a}”的网络。`),
  address_pool_name_taken: (q) => q1(q, (a) => `已有名为“${a}”的地址池。`),
  network_in_use: (q, d) => {
    const m = counts(d);
    return q[0] !== undefined && m ? `网络“${q[0]}”仍被 ${m[1]} 块网卡、${m[2]} 个地址池和 ${m[3]} 个资源池使用；请先移除它们。` : undefined;
  },
  subnet_in_use: (_q, d) => {
    const m = /^The subnet (\S+) overlaps (?:network '(.+)' \((\S+)\)|the route (\S+) of a host)/.exec(d);
    if (!m) return /No free private \/24/.test(d) ? '没有空闲的私有 /24 可用于 NAT 网络；请用“子网”指定一个。' : undefined;
    return m[2] ? `子网 ${m[1]} 与网络“${m[2]}”（${m[3]}）重叠。` : `子网 ${m[1]} 与某台主机的路由 ${m[4]} 重叠；请另选一个。`;
  },
  bridge_in_use: (_q, d) => {
    const m = /^The bridge (\S+) already/.exec(d);
    return m ? `网桥 ${m[1]} 已属于另一个网络。` : undefined;
  },
  address_pool_invalid: (_q, d) => rangeProblems(d),
  address_ranges_overlap: (_q, d) => rangeProblems(d),
  address_pool_in_use: (q, d) => {
    const m = /has (\d+) allocated address/.exec(d);
    if (q[0] === undefined) return undefined;
    return m ? `地址池“${q[0]}”还有 ${m[1]} 个已分配的地址；请先删除这些实例或网卡。` : `地址池“${q[0]}”仍被资源池${q.slice(1).map((n) => `“${n}”`).join('、')}使用；请先更改它们。`;
  },
  address_range_in_use: (_q, d) => {
    const m = /leave out (\d+) allocated address/.exec(d);
    return m ? `新的范围会遗漏 ${m[1]} 个已分配的地址；请先删除这些实例或网卡。` : undefined;
  },
  address_pool_exhausted: (q, d) => {
    const m = /\((\d+) in all\)/.exec(d);
    return q[0] !== undefined ? `地址池“${q[0]}”已没有空闲地址${m ? `（共 ${m[1]} 个）` : ''}。` : undefined;
  },
  address_taken: (q, d) => {
    const m = /^The address (\S+) of/.exec(d);
    return m && q[0] !== undefined ? `地址池“${q[0]}”中的地址 ${m[1]} 已被分配。` : undefined;
  },
  address_outside_ranges: (q, d) => {
    const m = /^The address (\S+) lies/.exec(d);
    return m && q[0] !== undefined ? `地址 ${m[1]} 不在地址池“${q[0]}”的任何范围内。` : undefined;
  },
  address_needs_pool: (q) => (q.length >= 2 ? `固定地址需要资源池“${q[1]}”在网络“${q[0]}”上有地址池；请先在资源池页面设置。` : undefined),
  mac_taken: (_q, d) => {
    const m = /^The MAC address (\S+) is/.exec(d);
    return m ? `MAC 地址 ${m[1]} 已被另一块网卡使用。` : undefined;
  },
  pool_addresses_allocated: (q) => q1(q, (a) => `资源池“${a}”的实例仍持有其地址池中的地址；请先删除它们（或它们的网卡）再更改。`),
  instance_must_be_stopped: (q) => q1(q, (a) => `请先停止实例“${a}”再更改它的网卡。`),
  nic_is_loopback: (q) => q1(q, (a) => `“${a}”是回环接口，不能桥接。`),
  nic_not_ethernet: (q) => q1(q, (a) => `“${a}”不是以太网网卡，不能桥接。`),
  nic_is_bridge: (q) => q1(q, (a) => `“${a}”本身就是网桥。`),
  nic_enslaved: (q) => q1(q, (a) => `“${a}”已是某个网桥或绑定的端口。`),
  bridge_name_taken: (q) => q1(q, (a) => `名为“${a}”的接口已存在；请换一个网桥名称。`),
  gateway_unreachable: () => '网关在新网桥上没有应答，所有更改都已回滚。',
  bridge_setup_failed: () => '创建网桥的某一步失败，所有更改都已回滚。',
  rollback_incomplete: () => '创建网桥失败，且回滚没有全部完成；请检查主机的网络配置。',
  route_unsupported: () => '该网卡上有 onebox 无法迁移的路由；没有做任何更改。',
  address_unsupported: () => '该网卡上有 onebox 无法迁移的地址；没有做任何更改。',
  invalid_interface_name: () => '接口名称无效。',
  unexpected_ip_output: () => '无法读取 ip 命令的输出；没有做任何更改。',
};
