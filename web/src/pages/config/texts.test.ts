import { describe, expect, it } from 'vitest';
// The server's catalog: a file without imports, so the console's check reads the very list the
// operator API describes.
import { settingCatalog } from '../../../../src/config/setting-catalog';
import { en } from '../../i18n/en';
import { zhCN } from '../../i18n/zh-CN';
import { groupOrder } from './model';

const names = Object.keys(settingCatalog);
const groups = [...new Set(Object.values(settingCatalog).map((entry) => entry.group))];

describe('the configuration page in Chinese', () => {
  it('describes every setting of the catalog', () => {
    const missing = names.filter((name) => !zhCN.config.descriptions[name]?.trim());
    expect(missing, 'add a Chinese description to config.descriptions in web/src/i18n/zh-CN.ts').toEqual([]);
  });

  it('describes no setting the catalog does not have', () => {
    const unknown = Object.keys(zhCN.config.descriptions).filter((name) => !names.includes(name));
    expect(unknown).toEqual([]);
  });

  it('names every group, and orders it', () => {
    expect(groups.filter((group) => !zhCN.config.groups[group]?.trim())).toEqual([]);
    expect(groups.filter((group) => !en.config.groups[group]?.trim())).toEqual([]);
    expect(groups.filter((group) => !groupOrder.includes(group))).toEqual([]);
  });
});
