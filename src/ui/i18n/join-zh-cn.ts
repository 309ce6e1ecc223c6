/** 添加服务器（加入令牌）的中文文本，展开到中文目录中；与 join-en.ts 结构相同。 */
import type { joinEn } from './join-en.js';

export const joinZhCN: typeof joinEn = {
  join: {
    button: '添加服务器…',
    title: '添加服务器',
    hint: '在新服务器上以 root 身份运行此命令（需已安装 onebox）。它会按指纹校验本服务器的证书，获取自己的证书，此后只运行主机代理。',
    expires: (at: string) => `该令牌只能使用一次，有效期至 ${at}。之后不会再次显示。`,
    after: '随后新服务器会出现在此列表中且不属于任何资源池：请为它选择一个。',
  },
};
