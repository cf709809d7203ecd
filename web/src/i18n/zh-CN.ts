import type { Messages } from './en';

/** 控制台的全部简体中文文本，与 en.ts 结构相同（由编译器检查）。 */
export const zhCN: Messages = {
  language: { name: '简体中文', label: '语言' },
  common: {
    loading: '加载中…',
    retry: '重试',
    cancel: '取消',
    close: '关闭',
    save: '保存',
    apply: '应用',
    reset: '重置',
    delete: '删除',
    refresh: '刷新',
    none: '无',
    error: (message: string) => `出错了：${message}`,
    confirm: '确定吗？',
    yes: '是',
    no: '否',
    all: '全部',
    more: '加载更多',
    themeLabel: '主题',
    theme: { system: '跟随系统', light: '浅色', dark: '深色' },
    skipToContent: '跳到正文',
  },
  nav: {
    label: '主导航',
    dashboard: '仪表盘',
    keys: '密钥',
    config: '配置',
    logs: '日志',
    signOut: '退出登录',
  },
  signIn: {
    title: '登录 gemgate',
    intro: '请输入管理令牌（AUTH_TOKEN）。若未设置，网关首次启动时已将其打印出来。',
    token: '管理令牌',
    submit: '登录',
    working: '正在登录…',
    expired: '会话已结束。重新登录后将回到原来的页面。',
    refused: '管理令牌无效。',
  },
  dashboard: {
    title: '仪表盘',
  },

  keys: {
    title: '密钥',
  },

  config: {
    title: '配置',
  },

  logs: {
    title: '日志',
  },
};
